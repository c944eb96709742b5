"""Export a set of cubes as one bundle file, and import it into another store.

A bundle is an uncompressed tar holding `manifest.json` (the headers, in
version order) and `blobs/<sha256>` (the payload bytes); bundle_format.py
reads one safely. Import checks every blob against its name and its headers,
refuses a bundle whose activation or parameter payloads were made for a model
other than the importer's (header.meta["model_fingerprint"]), and checks every
version of every cube as a put by the importer (adopt.py). Nothing is written
unless all of it is sound. Grants do not travel: actors are local to a store.
Exports are audited, one record per cube version that left the store.
"""

from __future__ import annotations

import dataclasses
import io
import json
import tarfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from memos_lab.cube import AccessPolicy, CubeHeader, Kind
from memos_lab.store.blobs import write_atomically
from memos_lab.store.bundle_format import FORMAT, FORMAT_VERSION, MANIFEST, read_bundle
from memos_lab.store.errors import BundleError, CorruptPayloadError

if TYPE_CHECKING:
    from memos_lab.store.store import CubeStore

__all__ = ["check_model", "export_bundle", "import_bundle", "read_bundle"]

MODEL_BOUND = (Kind.ACTIVATION, Kind.PARAMETER)


def export_bundle(
    store: CubeStore,
    path: str | Path,
    actor: str,
    *,
    namespace: str | None = None,
    ids: Iterable[str] | None = None,
    select: Callable[[CubeHeader], bool] | None = None,
    with_history: bool = False,
) -> list[CubeHeader]:
    """Write the chosen cubes the actor may read (by namespace, ids and/or a predicate) to `path`."""
    chosen = _choose(store, actor, namespace, ids, select)
    headers = [v for h in chosen for v in (store._history(h.id) if with_history else [h])]
    headers = [dataclasses.replace(h, policy=AccessPolicy()) for h in headers]
    blobs = {h.content_hash: _blob(store, h) for h in headers}
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": time.time(),
        "cubes": [h.to_dict() for h in headers],
        "blobs": {digest: len(data) for digest, data in blobs.items()},
    }
    write_atomically(Path(path), _tar(manifest, blobs))
    _record(store, actor, headers, Path(path))
    return headers


def import_bundle(
    path: str | Path,
    store: CubeStore,
    actor: str,
    model_fingerprint: Any = None,
    *,
    namespace: str | None = None,
) -> list[CubeHeader]:
    """Add the bundle's cubes to `store` (owned by `actor`, optionally moved to `namespace`); all or nothing.

    `model_fingerprint` is the importing side's model (a string or a mapping, as
    the model backend reports it); None skips the model check.
    """
    path = Path(path)
    headers, blobs = read_bundle(path)
    if model_fingerprint is not None:
        check_model(path, headers, model_fingerprint)
    if namespace is not None:
        headers = [dataclasses.replace(h, namespace=namespace) for h in headers]
    versions = [(h, blobs[h.content_hash]) for h in headers]
    return store.adopt(versions, actor, action="import", source=f"bundle {path}")


def check_model(path: Path, headers: Sequence[CubeHeader], model_fingerprint: Any) -> None:
    for header in headers:
        if header.kind not in MODEL_BOUND:
            continue
        made_for = header.meta.get("model_fingerprint")
        if made_for != model_fingerprint:
            raise BundleError(
                f"bundle {path}: cube {header.id} ({header.kind.value}) was made for model {made_for!r},"
                f" but the importing side uses {model_fingerprint!r}; nothing imported"
            )


def _choose(
    store: CubeStore,
    actor: str,
    namespace: str | None,
    ids: Iterable[str] | None,
    select: Callable[[CubeHeader], bool] | None,
) -> list[CubeHeader]:
    if ids is not None:
        chosen = [store._readable(cube_id, actor) for cube_id in ids]
        chosen = [h for h in chosen if namespace is None or h.namespace == namespace]
    else:
        chosen = store._list(actor, namespace, None, include_expired=False)
    return [h for h in chosen if select is None or select(h)]


def _record(store: CubeStore, actor: str, headers: Sequence[CubeHeader], path: Path) -> None:
    """One audit record per exported cube version (unless the store does not audit reads)."""
    if not store.audit_reads:
        return
    now = store.clock()
    with store.catalogue.transaction():
        for h in headers:
            store.audit.record(
                now, actor, "export", cube_id=h.id, namespace=h.namespace, version=h.version, detail=str(path)
            )


def _blob(store: CubeStore, header: CubeHeader) -> bytes:
    try:
        return store.blobs.get(header.content_hash)
    except CorruptPayloadError as exc:
        raise CorruptPayloadError(f"cannot export cube {header.id} version {header.version}: {exc}") from exc


def _tar(manifest: dict[str, Any], blobs: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        _add(tar, MANIFEST, json.dumps(manifest, indent=1, allow_nan=False).encode("utf-8"))
        for digest, data in sorted(blobs.items()):
            _add(tar, f"blobs/{digest}", data)
    return buffer.getvalue()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))

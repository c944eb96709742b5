"""Export a set of cubes as one bundle file, and import it into another store.

A bundle is an uncompressed tar holding `manifest.json` (the headers, in
version order) and `blobs/<sha256>` (the payload bytes). Import checks every
blob against its name and its headers, and refuses a bundle whose activation
or parameter payloads were made for a model other than the importer's
(header.meta["model_fingerprint"]). Nothing is written unless all of it is
sound. Grants do not travel: actors are local to a store.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import tarfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from memos_lab.cube import AccessPolicy, CubeHeader, Kind
from memos_lab.store.blobs import sha256, write_atomically
from memos_lab.store.errors import BundleError, CorruptPayloadError

if TYPE_CHECKING:
    from memos_lab.store.store import CubeStore

FORMAT = "memos-lab-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MODEL_BOUND = (Kind.ACTIVATION, Kind.PARAMETER)
_BLOB_NAME = re.compile(r"^blobs/([0-9a-f]{64})$")


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
    headers = [v for h in chosen for v in (store.history(h.id, actor) if with_history else [h])]
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
    return store.adopt([(h, blobs[h.content_hash]) for h in headers], actor, action="import")


def read_bundle(path: Path) -> tuple[list[CubeHeader], dict[str, bytes]]:
    """The headers and verified blobs of a bundle; BundleError naming the file on any fault."""
    members = _members(path)
    if MANIFEST not in members:
        raise BundleError(f"bundle {path} has no {MANIFEST}")
    manifest = _manifest(path, members.pop(MANIFEST))
    blobs = {}
    for name, data in members.items():
        match = _BLOB_NAME.match(name)
        if match is None:
            raise BundleError(f"bundle {path}: unexpected member {name!r}")
        if sha256(data) != match.group(1):
            raise BundleError(f"bundle {path}: blob {name} does not match its sha256 (corrupt or tampered)")
        blobs[match.group(1)] = data
    headers = [_header(path, entry) for entry in manifest["cubes"]]
    for header in headers:
        _check_blob(path, header, blobs)
    return headers, blobs


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
        chosen = [store.header(cube_id, actor) for cube_id in ids]
        chosen = [h for h in chosen if namespace is None or h.namespace == namespace]
    else:
        chosen = store.list(actor, namespace=namespace)
    return [h for h in chosen if select is None or select(h)]


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


def _members(path: Path) -> dict[str, bytes]:
    """Every regular file in the tar, read into memory; nothing is extracted to disk."""
    try:
        with tarfile.open(path, mode="r:") as tar:
            members = {}
            for info in tar.getmembers():
                if not info.isfile():
                    raise BundleError(f"bundle {path}: member {info.name!r} is not a regular file")
                members[info.name] = tar.extractfile(info).read()
            return members
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BundleError(f"bundle {path} is not a readable bundle: {exc}") from exc


def _manifest(path: Path, data: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"bundle {path}: {MANIFEST} is not valid JSON: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError(f"bundle {path}: {MANIFEST} is not a {FORMAT} manifest")
    if manifest.get("format_version") != FORMAT_VERSION or not isinstance(manifest.get("cubes"), list):
        raise BundleError(f"bundle {path}: unsupported format version {manifest.get('format_version')!r}")
    return manifest


def _header(path: Path, entry: Any) -> CubeHeader:
    try:
        return CubeHeader.from_dict(entry)
    except (TypeError, ValueError) as exc:
        raise BundleError(f"bundle {path}: a cube header does not validate: {exc}") from exc


def _check_blob(path: Path, header: CubeHeader, blobs: dict[str, bytes]) -> None:
    data = blobs.get(header.content_hash)
    if data is None:
        raise BundleError(f"bundle {path}: cube {header.id} version {header.version} has no blob {header.content_hash}")
    if len(data) != header.size_bytes:
        raise BundleError(f"bundle {path}: cube {header.id} says {header.size_bytes} bytes, its blob has {len(data)}")

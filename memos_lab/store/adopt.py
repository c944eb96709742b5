"""Adding cubes with their versions as given (a bundle import): each version checked as a put.

Every version of every cube is validated as if the importer put it: its
bytes match its hash and size and decode for its kind; the cube keeps one
namespace and one kind across its versions; the importer may put into that
namespace; the id is new to the store (asked only after the rights, so a
refused importer learns nothing). All checks run before anything is written,
and the writes run in one transaction: a bad bundle leaves no row and no blob.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from memos_lab.cube import AccessPolicy, CubeHeader
from memos_lab.store.access import ADMIN, check_actor
from memos_lab.store.blobs import sha256
from memos_lab.store.codecs import decode_payload
from memos_lab.store.errors import BundleError, CorruptPayloadError, CubeExistsError, StoreError

if TYPE_CHECKING:
    from memos_lab.store.store import CubeStore

IDENTITY = ("namespace", "kind")


def adopt(
    store: CubeStore, versions: Sequence[tuple[CubeHeader, bytes]], actor: str, action: str, source: str
) -> list[CubeHeader]:
    """The cubes' current headers after adding every version; all or nothing. Errors start with `source`."""
    check_actor(actor)
    now = store.clock()
    with store._denials(actor, action), store.catalogue.transaction():
        try:
            plan = _plan(store, versions, actor)
        except StoreError as exc:
            raise _prefixed(exc, source) from exc
        for _, data in plan:
            store.blobs.put(data, sync=False)
        store.blobs.sync()  # every blob durable before the rows commit
        adopted: dict[str, CubeHeader] = {}
        for header, _ in plan:
            if header.id not in adopted:
                store.access.claim_namespace(header.namespace, header.owner, now)
            adopted[header.id] = store._commit_version(header, actor, action, now, detail=source)
        return list(adopted.values())


def _plan(store: CubeStore, versions: Sequence[tuple[CubeHeader, bytes]], actor: str) -> list[tuple[CubeHeader, bytes]]:
    plan: list[tuple[CubeHeader, bytes]] = []
    first: dict[str, CubeHeader] = {}
    last: dict[str, int] = {}
    for given, data in sorted(versions, key=lambda v: (v[0].id, v[0].version)):
        owner = given.owner if actor == ADMIN else actor
        header = dataclasses.replace(given, owner=owner, policy=AccessPolicy())
        _check_payload(header, data)
        store.access.require_put(actor, header)  # every version, before anything about the store is told
        if header.id in first:
            _check_follows(header, first[header.id], last[header.id])
        elif store.catalogue.header(header.id) is not None:
            raise CubeExistsError(f"cube {header.id} already exists in store {store.root}")
        first.setdefault(header.id, header)
        last[header.id] = header.version
        plan.append((header, data))
    return sorted(plan, key=lambda item: item[0].version)


def _check_payload(header: CubeHeader, data: bytes) -> None:
    where = f"cube {header.id} version {header.version}"
    if sha256(data) != header.content_hash:
        raise CorruptPayloadError(f"{where}: bytes do not match content_hash")
    if len(data) != header.size_bytes:
        raise CorruptPayloadError(f"{where}: says {header.size_bytes} bytes, its payload has {len(data)}")
    try:
        decode_payload(header.kind, data)
    except CorruptPayloadError as exc:
        raise CorruptPayloadError(f"{where}: payload is not a {header.kind.value} payload: {exc}") from exc


def _check_follows(header: CubeHeader, first: CubeHeader, last_version: int) -> None:
    where = f"cube {header.id} version {header.version}"
    if header.version == last_version:
        raise BundleError(f"{where}: given twice")
    changed = [name for name in IDENTITY if getattr(header, name) != getattr(first, name)]
    if changed:
        detail = ", ".join(f"{n} {getattr(first, n)!r} -> {getattr(header, n)!r}" for n in changed)
        raise BundleError(f"{where}: a version cannot change {detail}")


def _prefixed(exc: StoreError, source: str) -> StoreError:
    """The same error (type and attributes) with `source` in front of its message."""
    new = copy.copy(exc)
    new.args = (f"{source}: {exc}", *exc.args[1:])
    return new

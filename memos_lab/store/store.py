"""The cube store: headers in the SQLite catalogue, payloads as blobs.

Every call names an actor; every write runs in one BEGIN IMMEDIATE
transaction together with its audit record; every refusal is audited, and so
is every read, list and export unless the store is opened with
audit_reads=False (for benchmarks). The store knows how payloads become bytes
(codecs) but nothing of what they mean. Maintenance (verify, gc), imports
(adopt) and bundles live in their own modules; README.md states the
guarantees.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from memos_lab.cube import AccessPolicy, CubeHeader, Kind, Lifecycle, MemCube
from memos_lab.lifecycle import transition
from memos_lab.store import access, adopt, audit, maintenance
from memos_lab.store.access import ADMIN, READABLE_SQL, AccessControl, Right, Scope, check_actor
from memos_lab.store.audit import AuditEntry, AuditLog
from memos_lab.store.blobs import BlobStore, sha256
from memos_lab.store.catalogue import Catalogue
from memos_lab.store.codecs import decode_payload, encode_payload
from memos_lab.store.errors import (
    AccessDeniedError,
    CorruptPayloadError,
    CubeExistsError,
    CubeNotFoundError,
    DamagedCubeWarning,
    DamagedRowError,
)
from memos_lab.store.maintenance import GcReport, VerifyReport
from memos_lab.store.versions import first_version, next_version, rollback_version

CATALOGUE_FILE = "catalogue.sqlite"
BLOB_DIR = "blobs"


class CubeStore:
    def __init__(
        self,
        root: str | Path,
        *,
        clock: Callable[[], float] = time.time,
        audit_reads: bool = True,
        synchronous: str = "FULL",
    ) -> None:
        """`audit_reads=False` stops recording reads, lists and exports (writes and refusals are always
        recorded); `synchronous="NORMAL"` trades the last commits before a power loss for speed."""
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.clock = clock
        self.audit_reads = audit_reads
        self.blobs = BlobStore(self.root / BLOB_DIR)
        self.catalogue = Catalogue(
            self.root / CATALOGUE_FILE,
            schemas=(access.SCHEMA, audit.SCHEMA, audit.APPEND_ONLY),
            upgrades=(audit.upgrade_v2,),
            synchronous=synchronous,
        )
        self.access = AccessControl(self.catalogue)
        self.audit = AuditLog(self.catalogue)

    # -- writes ------------------------------------------------------------

    def put(self, cube: MemCube, actor: str) -> CubeHeader:
        """Add a new cube as version 1; its content hash and byte size are set from the payload."""
        return self.put_many([cube], actor)[0]

    def put_many(self, cubes: Sequence[MemCube], actor: str) -> list[CubeHeader]:
        """Add several new cubes in one transaction: all of them or none."""
        check_actor(actor)
        encoded = [(cube.header, encode_payload(cube.kind, cube.payload)) for cube in cubes]
        now = self.clock()
        batch = len(encoded) > 1  # one syncfs for a batch instead of an fsync per blob
        with self._denials(actor, "put"), self.catalogue.transaction():
            headers = [self._put_one(header, data, actor, now, sync=not batch) for header, data in encoded]
            if batch:
                self.blobs.sync()  # every blob durable before the rows commit
            return headers

    def _put_one(self, proposed: CubeHeader, data: bytes, actor: str, now: float, sync: bool) -> CubeHeader:
        self.access.require_put(actor, proposed)  # rights first: a refused put learns nothing of other cubes
        if self.catalogue.execute("SELECT 1 FROM cubes WHERE id = ? LIMIT 1", (proposed.id,)):
            raise CubeExistsError(f"cube {proposed.id} already exists (use update for a new version)")
        header = first_version(proposed, self.blobs.put(data, sync=sync), len(data), now)
        self.access.claim_namespace(header.namespace, header.owner, now)
        self.catalogue.insert(header)
        for right, grantees in _policy_rights(proposed.policy):
            for grantee in grantees:
                self.access.grant(actor, check_actor(grantee), right, Scope.CUBE, header.id, now)
        self.audit.record(now, actor, "put", cube_id=header.id, namespace=header.namespace, version=1)
        return self._live(header)

    def adopt(
        self,
        versions: Sequence[tuple[CubeHeader, bytes]],
        actor: str,
        action: str = "import",
        source: str = "import",
    ) -> list[CubeHeader]:
        """Add cubes with their versions as given (an import), each version checked as a put: all or none.

        The cubes become the actor's (ADMIN keeps the given owners); see adopt.py
        for the checks. Errors start with `source` (the bundle's path).
        """
        return adopt.adopt(self, versions, actor, action, source)

    def update(self, cube: MemCube, actor: str, *, force: bool = False) -> CubeHeader:
        """Write `cube` as a new version; the old one stays in the history.

        The update must be based on the current version (cube.header.version),
        else VersionConflictError: two writers never silently overwrite each
        other. `force=True` skips that check.
        """
        check_actor(actor)
        data = encode_payload(cube.kind, cube.payload)
        now = self.clock()
        with self._denials(actor, "update", cube_id=cube.id), self.catalogue.transaction():
            current = self._current(cube.id)
            self.access.require(actor, current, Right.WRITE)
            header = next_version(current, cube.header, sha256(data), len(data), now, force)
            self.blobs.put(data)
            return self._commit_version(header, actor, "update", now)

    def rollback(self, cube_id: str, actor: str, version: int) -> CubeHeader:
        """A new current version with the content and settings of `version`."""
        check_actor(actor)
        now = self.clock()
        with self._denials(actor, "rollback", cube_id=cube_id), self.catalogue.transaction():
            current = self._current(cube_id)
            self.access.require(actor, current, Right.WRITE)
            target = self._version(cube_id, version)
            damage = self.blobs.damage(target.content_hash)
            if damage is not None:
                raise CorruptPayloadError(f"cube {cube_id}: cannot roll back to version {version}: {damage}")
            header = rollback_version(current, target, now)
            return self._commit_version(header, actor, "rollback", now, detail=f"to version {version}")

    def _commit_version(self, header: CubeHeader, actor: str, action: str, now: float, detail: str = "") -> CubeHeader:
        self.catalogue.insert(header)
        self.audit.record(
            now, actor, action, cube_id=header.id, namespace=header.namespace, version=header.version, detail=detail
        )
        return self._live(header)

    def transition(self, cube_id: str, actor: str, state: Lifecycle | str) -> CubeHeader:
        """Move the cube along its lifecycle (no new version); illegal moves raise naming both states."""
        check_actor(actor)
        now = self.clock()
        with self._denials(actor, "transition", cube_id=cube_id), self.catalogue.transaction():
            current = self._current(cube_id)
            self.access.require(actor, current, Right.WRITE)
            header = dataclasses.replace(current, state=transition(current.state, state, cube_id))
            self.catalogue.rewrite(header)
            self.audit.record(
                now,
                actor,
                "transition",
                cube_id=cube_id,
                namespace=header.namespace,
                version=header.version,
                detail=f"{current.state.value} -> {header.state.value}",
            )
            return self._live(header)

    def expire(self, actor: str, now: float | None = None) -> list[str]:
        """Mark every cube past its TTL (that `actor` may write) as expired; their ids."""
        check_actor(actor)
        now = self.clock() if now is None else now
        with self.catalogue.transaction():
            due = self.catalogue.headers(
                "c.is_current = 1 AND c.state NOT IN ('expired', 'frozen') AND c.expires_at <= ?",
                (now,),
                damaged=[],  # a damaged row is verify's to report, not a reason to expire nothing
            )
            expired = [h for h in due if Right.WRITE in self.access.cube_rights(actor, h)]
            for header in expired:
                self.catalogue.rewrite(dataclasses.replace(header, state=transition(header.state, Lifecycle.EXPIRED)))
                self.audit.record(now, actor, "expire", cube_id=header.id, namespace=header.namespace)
        return [h.id for h in expired]

    # -- sharing -----------------------------------------------------------

    def grant(
        self,
        actor: str,
        grantee: str,
        right: Right | str = Right.READ,
        *,
        cube_id: str | None = None,
        namespace: str | None = None,
    ) -> None:
        """Share one cube (cube_id) or a whole namespace with `grantee`."""
        right, grantee = Right(right), check_actor(grantee)
        with self._sharing(actor, "grant", cube_id, namespace, [right]) as (scope, target, now):
            self.access.grant(actor, grantee, right, scope, target, now)
            self._record_share(now, actor, "grant", scope, target, f"{right.value} to {grantee}")

    def revoke(
        self,
        actor: str,
        grantee: str,
        right: Right | str | None = None,
        *,
        cube_id: str | None = None,
        namespace: str | None = None,
    ) -> int:
        """Take back one right (or all, when right is None); the number of grants removed."""
        rights = list(Right) if right is None else [Right(right)]
        with self._sharing(actor, "revoke", cube_id, namespace, rights) as (scope, target, now):
            removed = self.access.revoke(check_actor(grantee), rights, scope, target)
            names = ", ".join(r.value for r in rights)
            self._record_share(now, actor, "revoke", scope, target, f"{names} from {grantee} ({removed} removed)")
        return removed

    @contextmanager
    def _sharing(
        self, actor: str, action: str, cube_id: str | None, namespace: str | None, rights: list[Right]
    ) -> Iterator[tuple[Scope, str, float]]:
        check_actor(actor)
        if (cube_id is None) == (namespace is None):
            raise ValueError(f"{action}: name exactly one of cube_id or namespace")
        now = self.clock()
        with self._denials(actor, action, cube_id=cube_id, namespace=namespace), self.catalogue.transaction():
            if cube_id is not None:
                current = self._current(cube_id)
                held = self.access.cube_rights(actor, current)
                owner_ish = actor in (current.owner, ADMIN, self.access.namespace_owner(current.namespace))
                scope, target, what = Scope.CUBE, cube_id, f"cube {cube_id}"
            else:
                if self.access.namespace_owner(namespace) is None:
                    raise CubeNotFoundError(f"no namespace {namespace!r} in store {self.root}")
                held = self.access.namespace_rights(actor, namespace)
                owner_ish = actor in (ADMIN, self.access.namespace_owner(namespace))
                scope, target, what = Scope.NAMESPACE, namespace, f"namespace {namespace!r}"
            for right in rights:
                self.access.require_grant(actor, right, held, owner_ish, what)
            yield scope, target, now

    def _record_share(self, now: float, actor: str, action: str, scope: Scope, target: str, detail: str) -> None:
        where = {"cube_id": target} if scope is Scope.CUBE else {"namespace": target}
        self.audit.record(now, actor, action, detail=detail, **where)

    # -- reads -------------------------------------------------------------

    def header(self, cube_id: str, actor: str, version: int | None = None) -> CubeHeader:
        header = self._readable(cube_id, actor, version)
        self._record_read(actor, "read", header, detail="header")
        return header

    def _readable(self, cube_id: str, actor: str, version: int | None = None) -> CubeHeader:
        """The header, if `actor` may read it (a refusal is audited; a success is not, yet)."""
        check_actor(actor)
        with self._denials(actor, "read", cube_id=cube_id):
            header = self._current(cube_id) if version is None else self._version(cube_id, version)
            self.access.require(actor, header, Right.READ)
        return self._live(header)

    def get(self, cube_id: str, actor: str, version: int | None = None, *, touch: bool = True) -> MemCube:
        """The cube (current or a given version); counts the access unless touch=False."""
        header = self._readable(cube_id, actor, version)
        payload = self.payload(header)
        if touch or self.audit_reads:
            now = self.clock()
            with self.catalogue.transaction():
                if touch:
                    self.catalogue.touch(cube_id, now)
                self._record_read(actor, "read", header, now=now)
            if touch:
                header = dataclasses.replace(
                    header, access_count=header.access_count + 1, last_access=max(header.last_access, now)
                )
        return MemCube(header, payload)

    def payload(self, header: CubeHeader) -> Any:
        """Decode the payload of a header already read; CorruptPayloadError names the cube and the file."""
        try:
            data = self.blobs.get(header.content_hash)
            if len(data) != header.size_bytes:
                raise CorruptPayloadError(f"blob {header.content_hash} has {len(data)} bytes, the header says "
                                          f"{header.size_bytes}")  # fmt: skip
            return decode_payload(header.kind, data)
        except CorruptPayloadError as exc:
            raise CorruptPayloadError(f"cube {header.id} version {header.version}: {exc}") from exc

    def history(self, cube_id: str, actor: str) -> list[CubeHeader]:
        """Every version of the cube, oldest first."""
        current = self._readable(cube_id, actor)
        self._record_read(actor, "history", current)
        return self._history(cube_id)

    def _history(self, cube_id: str) -> list[CubeHeader]:
        return [self._live(h) for h in self.catalogue.headers("c.id = ?", (cube_id,), order="c.version")]

    def list(
        self, actor: str, namespace: str | None = None, kind: Kind | str | None = None, *, include_expired: bool = False
    ) -> list[CubeHeader]:
        """Current versions the actor may read, oldest first; expired cubes only when asked.

        A cube whose catalogue row is damaged (see Catalogue.parse), or which
        has two current versions, is left out and named in one
        DamagedCubeWarning: one bad row never hides the others. `get` on it
        raises DamagedRowError; `verify` reports it.
        """
        headers = self._list(actor, namespace, kind, include_expired)
        self._record_list(actor, namespace, "list", len(headers))
        return headers

    def _list(
        self, actor: str, namespace: str | None, kind: Kind | str | None, include_expired: bool
    ) -> list[CubeHeader]:
        where, params = self._visible(actor, namespace, kind, include_expired)
        damaged: list[DamagedRowError] = []
        headers = self.catalogue.headers(where, params, damaged=damaged)
        counts: dict[str, int] = {}
        for header in headers:
            counts[header.id] = counts.get(header.id, 0) + 1
        twice = sorted(cube_id for cube_id, n in counts.items() if n > 1)
        if damaged or twice:
            named = [str(e) for e in damaged] + [f"cube {cube_id}: more than one current version" for cube_id in twice]
            warnings.warn(DamagedCubeWarning(f"{len(named)} damaged cubes left out ({'; '.join(named)})"), stacklevel=3)
        headers = [h for h in headers if counts[h.id] == 1]
        policies = self.access.policies()
        return [dataclasses.replace(h, policy=policies[h.id]) if h.id in policies else h for h in headers]

    def readable_ids(
        self, actor: str, namespace: str | None = None, *, states: Collection[Lifecycle | str] | None = None
    ) -> set[str]:
        """Ids of the live current cubes `actor` may read (only those in `states`, when given): a hard filter
        for retrieval."""
        where, params = self._visible(actor, namespace, None, include_expired=False)
        if states is not None:
            wanted = {f"state{i}": Lifecycle(state).value for i, state in enumerate(states)}
            where += f" AND c.state IN ({', '.join(':' + key for key in wanted) or 'NULL'})"
            params |= wanted
        ids = {row[0] for row in self.catalogue.execute(f"SELECT c.id FROM cubes c WHERE {where}", params)}
        self._record_list(actor, namespace, "list", len(ids), detail="ids")
        return ids

    def _visible(
        self, actor: str, namespace: str | None, kind: Kind | str | None, include_expired: bool
    ) -> tuple[str, dict[str, Any]]:
        clauses, params = ["c.is_current = 1"], {"actor": check_actor(actor), "now": self.clock()}
        if not include_expired:
            clauses.append("c.state != 'expired' AND (c.expires_at IS NULL OR c.expires_at > :now)")
        if namespace is not None:
            clauses.append("c.namespace = :namespace")
            params["namespace"] = namespace
        if kind is not None:
            clauses.append("c.kind = :kind")
            params["kind"] = Kind(kind).value
        if actor != ADMIN:
            clauses.append(READABLE_SQL)
        return " AND ".join(clauses), params

    def require_namespace_read(self, actor: str, namespace: str) -> None:
        """AccessDeniedError (audited) unless `actor` may read the namespace as a whole (owner, grant, ADMIN)."""
        check_actor(actor)
        with self._denials(actor, "read", namespace=namespace):
            self.access.require_namespace(actor, namespace, Right.READ)

    def _record_read(self, actor: str, action: str, header: CubeHeader, *, now: float | None = None,
                     detail: str = "") -> None:  # fmt: skip
        """Audit one successful read (inside the caller's transaction when `now` is given)."""
        if not self.audit_reads:
            return
        where = {"cube_id": header.id, "namespace": header.namespace, "version": header.version, "detail": detail}
        if now is None:
            self.audit.record_alone(self.clock(), actor, action, **where)
        else:
            self.audit.record(now, actor, action, **where)

    def _record_list(self, actor: str, namespace: str | None, action: str, count: int, detail: str = "") -> None:
        if self.audit_reads:
            detail = f"{count} cubes" + (f" ({detail})" if detail else "")
            self.audit.record_alone(self.clock(), actor, action, namespace=namespace, detail=detail)

    def audit_log(self, actor: str, cube_id: str | None = None) -> list[AuditEntry]:
        """The audit trail: all of it for ADMIN, else the actor's own entries.

        An actor's own refusals do not show the namespace of the cube refused.
        """
        check_actor(actor)
        entries = self.audit.entries(actor=None if actor == ADMIN else actor, cube_id=cube_id)
        if actor == ADMIN:
            return entries
        return [e if e.allowed else dataclasses.replace(e, namespace=None) for e in entries]

    # -- plumbing ----------------------------------------------------------

    def _current(self, cube_id: str) -> CubeHeader:
        header = self.catalogue.header(cube_id)
        if header is None:
            raise CubeNotFoundError(f"no cube {cube_id} in store {self.root}")
        return header

    def _version(self, cube_id: str, version: int) -> CubeHeader:
        header = self.catalogue.header(cube_id, version)
        if header is None:
            raise CubeNotFoundError(f"no cube {cube_id} version {version} in store {self.root}")
        return header

    def _live(self, header: CubeHeader) -> CubeHeader:
        return dataclasses.replace(header, policy=self.access.policies([header.id]).get(header.id, AccessPolicy()))

    @contextmanager
    def _denials(
        self, actor: str, action: str, cube_id: str | None = None, namespace: str | None = None
    ) -> Iterator[None]:
        """Audit a refusal (after the refused transaction rolled back) and let it propagate."""
        try:
            yield
        except AccessDeniedError as exc:
            where = {"cube_id": exc.cube_id or cube_id, "namespace": exc.namespace or namespace}
            self.audit.record_denied(self.clock(), actor, action, str(exc), **where)
            raise

    def verify(self, actor: str = ADMIN, *, anchor: tuple[int, str] | None = None) -> VerifyReport:
        """Check every row, blob and audit record; the report names each damaged cube version.

        `anchor`: an audit head (seq, hash) recorded earlier, outside the store
        (VerifyReport.audit_head); the row at seq must still have that hash.
        """
        return maintenance.verify(self, actor, anchor)

    def gc(self, actor: str = ADMIN, purge_expired: bool = False) -> GcReport:
        """Delete orphan blobs (and, if asked, expired cubes first)."""
        return maintenance.gc(self, actor, purge_expired)

    def require_admin(self, actor: str, action: str) -> None:
        check_actor(actor)
        with self._denials(actor, action):
            if actor != ADMIN:
                raise AccessDeniedError(f"actor {actor!r} may not {action}: only {ADMIN} may")

    def close(self) -> None:
        self.catalogue.close()

    def __enter__(self) -> CubeStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _policy_rights(policy: AccessPolicy) -> list[tuple[Right, tuple[str, ...]]]:
    return [(Right.READ, policy.readers), (Right.WRITE, policy.writers), (Right.SHARE, policy.sharers)]

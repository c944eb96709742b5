"""Access control: owners, grants on a cube or a whole namespace, and the checks.

Rights: `read`; `write` (implies read); `share` (implies read; lets the holder
grant `read` to others). The owner of a cube and the owner of its namespace
hold every right and alone may grant `write` or `share`. The first actor to
put a cube in a namespace owns the namespace. `ADMIN` is the store's
administrator (the command line, maintenance): it passes every check, and
other names starting with "@" are refused. A refusal names the actor, the
right and the cube or namespace asked for, never another cube's owner or
namespace.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from enum import Enum

from memos_lab.cube import AccessPolicy, CubeHeader
from memos_lab.store.catalogue import Catalogue
from memos_lab.store.errors import AccessDeniedError

ADMIN = "@admin"


class Right(str, Enum):
    READ = "read"
    WRITE = "write"
    SHARE = "share"


class Scope(str, Enum):
    CUBE = "cube"
    NAMESPACE = "namespace"


ALL_RIGHTS = frozenset(Right)
_IMPLIES = {Right.READ: {Right.READ}, Right.WRITE: {Right.READ, Right.WRITE}, Right.SHARE: {Right.READ, Right.SHARE}}

SCHEMA = """
CREATE TABLE IF NOT EXISTS namespaces (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS grants (
    actor TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('cube', 'namespace')),
    target TEXT NOT NULL,
    right TEXT NOT NULL CHECK (right IN ('read', 'write', 'share')),
    granted_by TEXT NOT NULL,
    granted_at REAL NOT NULL,
    PRIMARY KEY (actor, scope, target, right)
);
CREATE INDEX IF NOT EXISTS grants_target ON grants (scope, target);
"""

# Current cubes `:actor` may read, as a predicate over the `cubes c` table.
READABLE_SQL = """(c.owner = :actor
  OR c.namespace IN (SELECT name FROM namespaces WHERE owner = :actor)
  OR c.id IN (SELECT target FROM grants WHERE actor = :actor AND scope = 'cube')
  OR c.namespace IN (SELECT target FROM grants WHERE actor = :actor AND scope = 'namespace'))"""


def check_actor(actor: object) -> str:
    if not isinstance(actor, str) or not actor.strip():
        raise ValueError(f"an actor must be a non-empty string, got {actor!r}")
    if actor.startswith("@") and actor != ADMIN:
        raise ValueError(f"actor names starting with '@' are reserved (only {ADMIN} exists), got {actor!r}")
    return actor


class AccessControl:
    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    # -- rights ------------------------------------------------------------

    def namespace_owner(self, namespace: str) -> str | None:
        rows = self.catalogue.execute("SELECT owner FROM namespaces WHERE name = ?", (namespace,))
        return rows[0][0] if rows else None

    def namespace_rights(self, actor: str, namespace: str) -> frozenset[Right]:
        if actor == ADMIN or self.namespace_owner(namespace) == actor:
            return ALL_RIGHTS
        return self._granted(actor, Scope.NAMESPACE, namespace)

    def cube_rights(self, actor: str, header: CubeHeader) -> frozenset[Right]:
        if actor == header.owner:
            return ALL_RIGHTS
        return self.namespace_rights(actor, header.namespace) | self._granted(actor, Scope.CUBE, header.id)

    def _granted(self, actor: str, scope: Scope, target: str) -> frozenset[Right]:
        rows = self.catalogue.execute(
            "SELECT right FROM grants WHERE actor = ? AND scope = ? AND target = ?", (actor, scope.value, target)
        )
        return frozenset(implied for (right,) in rows for implied in _IMPLIES[Right(right)])

    def require(self, actor: str, header: CubeHeader, right: Right) -> None:
        if right not in self.cube_rights(actor, header):
            raise AccessDeniedError(
                f"actor {actor!r} may not {right.value} cube {header.id}",  # never who owns it, nor where it is
                cube_id=header.id,
                namespace=header.namespace,
            )

    def require_namespace(self, actor: str, namespace: str, right: Right) -> None:
        if right not in self.namespace_rights(actor, namespace):
            raise AccessDeniedError(
                f"actor {actor!r} may not {right.value} namespace {namespace!r}", namespace=namespace
            )

    def require_put(self, actor: str, header: CubeHeader) -> None:
        """A new cube: put by its owner, into a namespace that is free or writable by the actor."""
        if actor not in (header.owner, ADMIN):
            raise AccessDeniedError(
                f"actor {actor!r} may not put cube {header.id} owned by {header.owner!r}",
                cube_id=header.id,
                namespace=header.namespace,
            )
        if self.namespace_owner(header.namespace) is not None:
            self.require_namespace(actor, header.namespace, Right.WRITE)

    def claim_namespace(self, namespace: str, owner: str, now: float) -> None:
        self.catalogue.execute(
            "INSERT OR IGNORE INTO namespaces (name, owner, created_at) VALUES (?, ?, ?)", (namespace, owner, now)
        )

    # -- grants ------------------------------------------------------------

    def require_grant(self, actor: str, right: Right, held: frozenset[Right], owner_ish: bool, what: str) -> None:
        """`read` needs `share`; `write` and `share` need ownership."""
        allowed = owner_ish if right is not Right.READ else Right.SHARE in held
        if not allowed:
            need = "share" if right is Right.READ else "ownership"
            raise AccessDeniedError(f"actor {actor!r} may not grant or revoke {right.value} on {what}: needs {need}")

    def grant(self, grantor: str, grantee: str, right: Right, scope: Scope, target: str, now: float) -> None:
        self.catalogue.execute(
            "INSERT OR IGNORE INTO grants (actor, scope, target, right, granted_by, granted_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (grantee, scope.value, target, right.value, grantor, now),
        )

    def revoke(self, grantee: str, rights: Iterable[Right], scope: Scope, target: str) -> int:
        return sum(
            self.catalogue.change(
                "DELETE FROM grants WHERE actor = ? AND scope = ? AND target = ? AND right = ?",
                (grantee, scope.value, target, right.value),
            )
            for right in rights
        )

    def forget_cube(self, cube_id: str) -> None:
        self.catalogue.execute("DELETE FROM grants WHERE scope = 'cube' AND target = ?", (cube_id,))

    def policies(self, cube_ids: Iterable[str] | None = None) -> dict[str, AccessPolicy]:
        """Cube-level grants as policies, for the given cubes (all when None)."""
        if cube_ids is None:
            rows = self.catalogue.execute("SELECT target, actor, right FROM grants WHERE scope = 'cube'")
        else:
            ids = list(cube_ids)
            rows = []
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows += self.catalogue.execute(
                    f"SELECT target, actor, right FROM grants WHERE scope = 'cube' AND target IN ({marks})", chunk
                )
        found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for target, actor, right in sorted(rows):
            found[target][right].append(actor)
        return {
            target: AccessPolicy(tuple(by["read"]), tuple(by["write"]), tuple(by["share"]))
            for target, by in found.items()
        }

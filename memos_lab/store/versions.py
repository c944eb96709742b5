"""How a cube's versions follow each other: first, next, rollback.

Pure functions over headers; the store calls them inside its transaction.
Identity (namespace, owner, kind) never changes between versions; the
lifecycle state and creation time carry over; the content may change.
"""

from __future__ import annotations

import dataclasses

from memos_lab.cube import AccessPolicy, CubeHeader
from memos_lab.lifecycle import check_mutable
from memos_lab.store.errors import VersionConflictError

IDENTITY = ("namespace", "owner", "kind")


def first_version(proposed: CubeHeader, digest: str, size: int, now: float) -> CubeHeader:
    created = proposed.created_at or now
    return dataclasses.replace(
        proposed,
        version=1,
        parent_version=None,
        created_at=created,
        updated_at=proposed.updated_at or created,
        last_access=proposed.last_access or created,
        content_hash=digest,
        size_bytes=size,
        policy=AccessPolicy(),
    )


def next_version(
    current: CubeHeader, proposed: CubeHeader, digest: str, size: int, now: float, force: bool
) -> CubeHeader:
    """The header of the version after `current`, with the content and settings of `proposed`."""
    check_mutable(current.id, current.state)
    if not force and proposed.version != current.version:
        raise VersionConflictError(
            f"cube {current.id}: update based on version {proposed.version}, but version {current.version} is"
            " current (re-read it and apply the change again, or pass force=True)"
        )
    changed = [name for name in IDENTITY if getattr(proposed, name) != getattr(current, name)]
    if changed:
        raise ValueError(f"cube {current.id}: an update cannot change {', '.join(changed)}")
    return _successor(current, proposed, now, content_hash=digest, size_bytes=size)


def rollback_version(current: CubeHeader, target: CubeHeader, now: float) -> CubeHeader:
    """A new version whose content and settings are those of the older `target`."""
    check_mutable(current.id, current.state)
    return _successor(current, target, now, content_hash=target.content_hash, size_bytes=target.size_bytes)


def _successor(current: CubeHeader, content: CubeHeader, now: float, **changes: object) -> CubeHeader:
    return dataclasses.replace(
        content,
        version=current.version + 1,
        parent_version=current.version,
        state=current.state,
        created_at=current.created_at,
        updated_at=max(now, current.updated_at),
        last_access=current.last_access,
        access_count=current.access_count,
        policy=AccessPolicy(),
        **changes,
    )

"""Neighbour expansion: the turns around a hit, in the order they were said.

Order within a namespace comes from each cube's provenance: its source, then
its first ref compared by the numbers in it ("D2:10" after "D2:9"), then the
meta `session`, then the order of adds. Neighbours are the adjacent cubes of
the same source in that order. Expansion follows the first `neighbour_hits`
hits with up to `neighbours` turns on each side, nearest first, while the
search's neighbour token budget lasts; every added turn counts toward k.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from memos_lab.cube import MemCube

_NUMBER = re.compile(r"\d+")

OrderKey = tuple


def order_key(cube: MemCube, added: int) -> OrderKey:
    """Where a cube sits among its namespace's memories (see the module doc)."""
    provenance = cube.header.provenance
    ref = provenance.refs[0] if provenance.refs else ""
    numbers = tuple(int(n) for n in _NUMBER.findall(ref))
    session = cube.header.meta.get("session")
    session_key = session if isinstance(session, (int, float)) and not isinstance(session, bool) else -1
    return (provenance.source, numbers, ref, session_key, added)


class Sequence:
    """The cubes of one namespace in order; which ids are next to which.
    Adds append; the order is sorted lazily on the first lookup after them."""

    def __init__(self) -> None:
        self._entries: list[tuple[OrderKey, str]] = []
        self._position: dict[str, int] | None = {}

    def add(self, cube_id: str, key: OrderKey) -> None:
        self._entries.append((key, cube_id))
        self._position = None

    def _sorted(self) -> dict[str, int]:
        if self._position is None:
            self._entries.sort()
            self._position = {cid: i for i, (_, cid) in enumerate(self._entries)}
        return self._position

    def before(self, cube_id: str, width: int) -> list[str]:
        """Up to `width` ids just before `cube_id` from the same source, in order."""
        at = self._sorted().get(cube_id)
        if at is None:
            return []
        entries = self._entries
        source = entries[at][0][0]
        out = [entries[i][1] for i in range(max(0, at - width), at) if entries[i][0][0] == source]
        return out

    def around(self, cube_id: str, width: int) -> list[str]:
        """Up to `width` ids on each side of `cube_id` from the same source, nearest first."""
        at = self._sorted().get(cube_id)
        if at is None:
            return []
        entries = self._entries
        source = entries[at][0][0]
        out = []
        for step in range(1, width + 1):
            for i in (at - step, at + step):
                if 0 <= i < len(entries) and entries[i][0][0] == source:
                    out.append(entries[i][1])
        return out


def expand(
    ranked: Iterable[str],
    k: int,
    sequence: Sequence,
    width: int,
    hits_to_expand: int,
    token_budget: int,
    tokens: Callable[[str], int],
    allowed: Callable[[str], bool],
) -> list[tuple[str, str | None]]:
    """The first k of: each ranked id, followed (for the first hits) by its neighbours.
    Returns (id, the hit it neighbours or None)."""
    out: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    spent = 0
    for n, cube_id in enumerate(ranked):
        if len(out) >= k:
            break
        if cube_id in seen:
            continue
        seen.add(cube_id)
        out.append((cube_id, None))
        if n >= hits_to_expand or width == 0:
            continue
        for near in sequence.around(cube_id, width):
            if len(out) >= k:
                break
            if near in seen or not allowed(near):
                continue
            cost = tokens(near)
            if spent + cost > token_budget:
                continue
            spent += cost
            seen.add(near)
            out.append((near, cube_id))
    return out[:k]

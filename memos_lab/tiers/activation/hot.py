"""Which memories are hot, i.e. live in the KV prefix: the default choice is recency.

A selector is any callable `(cubes, budget_tokens) -> cubes` that reads
`header.size_tokens` (the tier fills it in) and returns the hot cubes in
prompt order. Scheduling policies plug in here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from memos_lab.cube import MemCube

SelectHot = Callable[[Sequence[MemCube], int], list[MemCube]]


def most_recent(cubes: Sequence[MemCube], budget_tokens: int) -> list[MemCube]:
    """The newest cubes whose tokens fit the budget (stopping at the first that does not), oldest first."""
    newest_first = sorted(enumerate(cubes), key=lambda ic: (ic[1].header.created_at, ic[0]), reverse=True)
    chosen, used = [], 0
    for _, cube in newest_first:
        if used + cube.header.size_tokens > budget_tokens:
            break
        chosen.append(cube)
        used += cube.header.size_tokens
    return chosen[::-1]

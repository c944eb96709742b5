"""Priority: evict the memory with the lowest header priority; among equals, the least recently used.

The priority is the MemCube header's (higher = keep), as last reported to the
cache: a pinned or important memory outlives any amount of recent traffic.
"""

from __future__ import annotations

from dataclasses import dataclass

from memos_lab.scheduling.policies.base import Policy
from memos_lab.scheduling.stats import CubeStats


@dataclass
class PriorityConfig:
    _target_: str = "memos_lab.scheduling.policies.priority.Priority"
    _partial_: bool = True


class Priority(Policy):
    name = "priority"

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self._rank: dict[str, tuple[int, int]] = {}  # resident key -> (priority, clock of latest reference)

    def on_admit(self, key: str, stats: CubeStats, now: int) -> None:
        self._rank[key] = (stats.priority, now)

    on_hit = on_admit

    def on_evict(self, key: str, now: int, by_policy: bool) -> None:
        del self._rank[key]

    def victim(self, now: int) -> str:
        return min(self._rank, key=self._rank.__getitem__)

"""LRU: evict the least recently used memory (a hit moves it to the most recent end)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from memos_lab.scheduling.policies.base import Policy
from memos_lab.scheduling.stats import CubeStats


@dataclass
class LRUConfig:
    _target_: str = "memos_lab.scheduling.policies.lru.LRU"
    _partial_: bool = True


class LRU(Policy):
    name = "lru"

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self._order: OrderedDict[str, None] = OrderedDict()  # least recently used first

    def on_admit(self, key: str, stats: CubeStats, now: int) -> None:
        self._order[key] = None

    def on_hit(self, key: str, stats: CubeStats, now: int) -> None:
        self._order.move_to_end(key)

    def on_evict(self, key: str, now: int, by_policy: bool) -> None:
        del self._order[key]

    def victim(self, now: int) -> str:
        return next(iter(self._order))

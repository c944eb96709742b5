"""FIFO: evict the memory admitted first; hits change nothing.

The trivial reference implementation of the Policy contract: an insertion-ordered
dict of the resident keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from memos_lab.scheduling.policies.base import Policy
from memos_lab.scheduling.stats import CubeStats


@dataclass
class FIFOConfig:
    _target_: str = "memos_lab.scheduling.policies.fifo.FIFO"
    _partial_: bool = True


class FIFO(Policy):
    name = "fifo"

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self._order: dict[str, None] = {}  # oldest admission first

    def on_admit(self, key: str, stats: CubeStats, now: int) -> None:
        self._order[key] = None

    def on_hit(self, key: str, stats: CubeStats, now: int) -> None:
        pass

    def on_evict(self, key: str, now: int, by_policy: bool) -> None:
        del self._order[key]

    def victim(self, now: int) -> str:
        return next(iter(self._order))

"""LFU with aging: evict the least frequently used memory; ties go to the least recently used.

Plain LFU never forgets, so a memory hot once stays forever. Two agings:

- "dynamic": LFU-DA (Arlitt, Cherkasova, Dilley, Friedrich, Jin, "Evaluating
  content management techniques for Web proxy caches", 2000): each resident key
  has K = L + count; the inflation L is set to the K of each victim, so a newly
  admitted or just-hit key outranks keys whose count was earned long ago.
- "halving": every `halve_every` clock ticks all counts are halved (floor), as
  in the reset of TinyLFU (Einziger, Friedman, Manes, 2017).
- "none": plain in-cache LFU.

Counts start at 1 when a key is admitted ("in-cache" LFU), or, with
`count_history`, at all its past accesses (`stats.accesses`, "perfect" LFU:
the cache keeps stats of evicted keys).
"""

from __future__ import annotations

from dataclasses import dataclass

from memos_lab.scheduling.policies.base import Policy
from memos_lab.scheduling.stats import CubeStats

AGINGS = ("dynamic", "halving", "none")


@dataclass
class LFUConfig:
    _target_: str = "memos_lab.scheduling.policies.lfu.LFU"
    _partial_: bool = True
    aging: str = "dynamic"  # "dynamic" (LFU-DA), "halving" (counts halve every halve_every ticks) or "none"
    halve_every: int = 1000  # clock ticks between halvings; used only with aging=halving
    count_history: bool = False  # True: a re-admitted key starts from all its past accesses, not 1

    def __post_init__(self) -> None:
        if self.aging not in AGINGS:
            raise ValueError(f"policy.aging={self.aging!r} must be one of {AGINGS}")
        if self.halve_every < 1:
            raise ValueError(f"policy.halve_every={self.halve_every} must be >= 1")


class LFU(Policy):
    name = "lfu"

    def __init__(self, capacity: int, aging: str = "dynamic", halve_every: int = 1000,
                 count_history: bool = False) -> None:
        super().__init__(capacity)
        LFUConfig(aging=aging, halve_every=halve_every, count_history=count_history)  # value checks
        self.aging, self.halve_every, self.count_history = aging, halve_every, count_history
        self.inflation = 0  # LFU-DA's L: the K of the latest victim
        self._next_halving = halve_every
        self._count: dict[str, int] = {}  # resident key -> references counted
        self._value: dict[str, int] = {}  # resident key -> K (= count, plus L at its latest reference if dynamic)
        self._last: dict[str, int] = {}  # resident key -> clock of its latest reference (the tie-break)

    def _age(self, now: int) -> None:
        while self.aging == "halving" and now >= self._next_halving:
            self._count = {key: count // 2 for key, count in self._count.items()}
            self._value = dict(self._count)
            self._next_halving += self.halve_every

    def _reference(self, key: str, count: int, now: int) -> None:
        self._count[key] = count
        self._value[key] = count + (self.inflation if self.aging == "dynamic" else 0)
        self._last[key] = now

    def admit(self, key: str, stats: CubeStats, now: int) -> bool:
        self._age(now)
        return True

    def on_admit(self, key: str, stats: CubeStats, now: int) -> None:
        self._reference(key, stats.accesses if self.count_history else 1, now)

    def on_hit(self, key: str, stats: CubeStats, now: int) -> None:
        self._age(now)
        self._reference(key, self._count[key] + 1, now)

    def on_evict(self, key: str, now: int, by_policy: bool) -> None:
        if by_policy and self.aging == "dynamic":
            self.inflation = self._value[key]
        del self._count[key], self._value[key], self._last[key]

    def victim(self, now: int) -> str:
        return min(self._value, key=lambda key: (self._value[key], self._last[key]))

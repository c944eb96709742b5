"""Cost-aware: GreedyDual-Size (Cao & Irani, "Cost-Aware WWW Proxy Caching
Algorithms", USITS 1997). Keep what is expensive to rebuild per unit of budget.

Each resident key has H = L + cost/size. Evict the key with the smallest H (ties:
least recently used) and set the inflation L to that H; a hit restores
H = L + cost/size. Keys not referenced for a while sink below fresh ones as L
rises, so the policy ages like LRU among equal cost/size.

`cost` chooses what "cost" is:

- "measured": the measured build/prefill seconds (`stats.cost_s`). A key not yet
  measured (cost_s = 0.0) is costed by its size times the mean seconds per unit
  of the measured keys seen so far, or by its size alone (cost/size = 1) while
  nothing is measured, so unknown and measured keys stay on one scale.
- "size": cost = size, cost/size = 1 for every key: LRU (Cao & Irani's GD-Size
  for byte hit rate).
- "unit": cost = 1: small keys are kept first, which maximises hit rate
  (Cao & Irani's GD-Size(1)).

A resize re-computes H = L + cost/size with the new size.
"""

from __future__ import annotations

from dataclasses import dataclass

from memos_lab.scheduling.policies.base import Policy
from memos_lab.scheduling.stats import CubeStats

COSTS = ("measured", "size", "unit")


@dataclass
class CostAwareConfig:
    _target_: str = "memos_lab.scheduling.policies.cost_aware.CostAware"
    _partial_: bool = True
    cost: str = "measured"  # "measured" (prefill seconds, size-scaled fallback), "size" (= LRU) or "unit"

    def __post_init__(self) -> None:
        if self.cost not in COSTS:
            raise ValueError(f"policy.cost={self.cost!r} must be one of {COSTS}")


class CostAware(Policy):
    name = "cost_aware"

    def __init__(self, capacity: int, cost: str = "measured") -> None:
        super().__init__(capacity)
        CostAwareConfig(cost=cost)  # value checks
        self.cost = cost
        self.inflation = 0.0  # GreedyDual's L: the H of the latest victim
        self._h: dict[str, float] = {}  # resident key -> H
        self._last: dict[str, int] = {}  # resident key -> clock of its latest reference (the tie-break)
        self._measured: dict[str, tuple[float, int]] = {}  # key -> (seconds, size) of its latest measurement

    def _cost_of(self, stats: CubeStats) -> float:
        if self.cost == "unit":
            return 1.0
        if self.cost == "size":
            return float(stats.size)
        if stats.cost_s > 0.0:
            self._measured[stats.key] = (stats.cost_s, stats.size)
            return stats.cost_s
        if not self._measured:
            return float(stats.size)
        seconds = sum(s for s, _ in self._measured.values())
        units = sum(n for _, n in self._measured.values())
        return stats.size * seconds / units

    def _reference(self, key: str, stats: CubeStats) -> None:
        self._h[key] = self.inflation + self._cost_of(stats) / stats.size

    def on_admit(self, key: str, stats: CubeStats, now: int) -> None:
        self._reference(key, stats)
        self._last[key] = now

    on_hit = on_admit

    def on_resize(self, key: str, stats: CubeStats, now: int) -> None:
        self._reference(key, stats)

    def on_evict(self, key: str, now: int, by_policy: bool) -> None:
        if by_policy:
            self.inflation = self._h[key]
        del self._h[key], self._last[key]

    def victim(self, now: int) -> str:
        return min(self._h, key=lambda key: (self._h[key], self._last[key]))

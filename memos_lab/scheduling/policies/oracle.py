"""Oracle: Belady's MIN (Belady, "A study of replacement algorithms for a
virtual-storage computer", IBM Systems Journal 5(2), 1966), the offline optimum.

Told the whole future access trace (`set_future(trace)`, trace[i] = the key
accessed at clock i), it evicts the resident key whose next access is furthest
in the future (never again = infinity; ties: the earliest admitted). With unit
sizes and every miss admitted, no policy has fewer misses: an upper bound for
hit rate in simulations, not a policy for live runs. With mixed sizes it is a
heuristic (the sized problem is NP-hard).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from memos_lab.scheduling.policies.base import Policy
from memos_lab.scheduling.stats import CubeStats


@dataclass
class OracleConfig:
    _target_: str = "memos_lab.scheduling.policies.oracle.Oracle"
    _partial_: bool = True


class Oracle(Policy):
    name = "oracle"
    clairvoyant = True

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self._trace: tuple[str, ...] | None = None
        self._positions: dict[str, list[int]] = {}  # key -> the clocks at which it is accessed, ascending
        self._resident: dict[str, None] = {}  # admission order, the tie-break

    def set_future(self, trace: Sequence[str]) -> None:
        """The access trace this policy will be driven through: trace[i] is the key accessed at clock i."""
        self._trace = tuple(trace)
        self._positions = {}
        for clock, key in enumerate(self._trace):
            self._positions.setdefault(key, []).append(clock)

    def _check(self, key: str, now: int) -> None:
        if self._trace is None:
            raise RuntimeError("oracle: the future is unknown; call set_future(trace) first "
                               "(trace[i] = the key accessed at clock i)")
        if not 0 <= now < len(self._trace):
            raise ValueError(f"oracle: access to {key!r} at clock {now}, outside the future trace "
                             f"(clocks 0..{len(self._trace) - 1})")
        if self._trace[now] != key:
            raise ValueError(f"oracle: access to {key!r} at clock {now}, but the future trace has "
                             f"{self._trace[now]!r} there")

    def next_access(self, key: str, now: int) -> float:
        positions = self._positions.get(key, [])
        index = bisect_right(positions, now)
        return positions[index] if index < len(positions) else math.inf

    def admit(self, key: str, stats: CubeStats, now: int) -> bool:
        self._check(key, now)
        return True

    def on_admit(self, key: str, stats: CubeStats, now: int) -> None:
        self._resident[key] = None

    def on_hit(self, key: str, stats: CubeStats, now: int) -> None:
        self._check(key, now)

    def on_evict(self, key: str, now: int, by_policy: bool) -> None:
        del self._resident[key]

    def victim(self, now: int) -> str:
        return max(self._resident, key=lambda key: self.next_access(key, now))

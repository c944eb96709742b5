"""BudgetedCache: which keys are resident under a capacity, the eviction choice left to a Policy.

The cache owns the arithmetic and the invariant `used <= capacity`, which
holds at every moment: room is made (victims evicted) before a key is admitted
or grows, so the total never passes the capacity even mid-access. It keeps
CubeStats for every key it has seen (evicted ones too) and drives its policy
through the calls documented in policies/base.py.

Sizes are in budget units (KV tokens, bytes, adapter slots); `now` is the
logical clock (the index of the access in the access sequence) and must not
go backwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from memos_lab.scheduling.policies.base import Policy
from memos_lab.scheduling.stats import CubeStats


class PolicyError(RuntimeError):
    """A policy broke its contract (e.g. chose a victim that is not resident)."""


@dataclass(frozen=True)
class AccessResult:
    hit: bool  # the key was resident when requested
    admitted: bool  # the key became resident on this access (a miss that was cached)
    evicted: tuple[str, ...] = ()  # keys evicted by this access, in order
    rejected: Literal["", "too_large", "refused"] = ""  # why a miss was not cached: size > capacity, or policy.admit


class BudgetedCache:
    """Residency of keys under `capacity` budget units; `policy(capacity=capacity)` builds its policy."""

    def __init__(self, policy: Callable[..., Policy], capacity: int) -> None:
        if not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"BudgetedCache: capacity={capacity!r} must be an int >= 1 (policy {policy!r})")
        self.policy = policy(capacity=capacity)
        if not isinstance(self.policy, Policy):
            raise TypeError(f"BudgetedCache: {policy!r} built {self.policy!r}, which is not a Policy")
        self._name = f"BudgetedCache[{self.policy.name}]"
        self._capacity = capacity
        self._used = 0
        self._resident: dict[str, int] = {}  # key -> size, in admission order
        self._stats: dict[str, CubeStats] = {}
        self._now = -1

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def used(self) -> int:
        return self._used

    @property
    def resident(self) -> tuple[str, ...]:
        """The resident keys, in admission order."""
        return tuple(self._resident)

    def __contains__(self, key: str) -> bool:
        return key in self._resident

    def __len__(self) -> int:
        return len(self._resident)

    def stats(self, key: str) -> CubeStats:
        if key not in self._stats:
            raise KeyError(f"{self._name}: no statistics for {key!r}: it was never accessed")
        return self._stats[key]

    def access(self, key: str, size: int, now: int, cost_s: float = 0.0, priority: int = 0) -> AccessResult:
        """A request for `key` of `size` units at clock `now`; caches it on a miss if it fits and the policy admits.

        `cost_s` (measured build seconds) replaces the recorded cost when > 0; `priority` always replaces it.
        A hit with a new size resizes the key (which may evict others, or the key itself)."""
        self._tick(now)
        self._check_size(key, size)
        old = self._stats.get(key)
        hit = key in self._resident
        stats = CubeStats(key, size, first_access=now) if old is None else old
        stats = replace(stats, size=stats.size if hit else size, cost_s=cost_s if cost_s > 0 else stats.cost_s,
                        priority=priority, accesses=stats.accesses + 1, hits=stats.hits + hit, last_access=now)
        self._stats[key] = stats
        if hit:
            self.policy.on_hit(key, stats, now)
            evicted = self._resize(key, size, now) if size != stats.size else ()
            return AccessResult(hit=True, admitted=False, evicted=evicted)
        if size > self._capacity:
            return AccessResult(hit=False, admitted=False, rejected="too_large")
        if not self.policy.admit(key, stats, now):
            return AccessResult(hit=False, admitted=False, rejected="refused")
        evicted = self._make_room(size, now)
        self._resident[key] = size
        self._used += size
        self._check_budget()
        self.policy.on_admit(key, stats, now)
        return AccessResult(hit=False, admitted=True, evicted=evicted)

    def evict(self, key: str, now: int) -> bool:
        """Remove `key` from outside the policy (a superseded or expired memory); False if it was not resident."""
        self._tick(now)
        if key not in self._resident:
            return False
        self._remove(key)
        self.policy.on_evict(key, now, by_policy=False)
        return True

    def resize(self, key: str, size: int, now: int) -> tuple[str, ...]:
        """`key` now takes `size` units: record it, and if resident make room first. Returns the evicted keys
        (the key itself when it no longer fits or the policy picks it)."""
        self._tick(now)
        self._check_size(key, size)
        self.stats(key)  # a clear error for an unknown key
        return self._resize(key, size, now)

    def _resize(self, key: str, size: int, now: int) -> tuple[str, ...]:
        old = self._stats[key].size
        self._stats[key] = replace(self._stats[key], size=size)
        if key not in self._resident:
            return ()
        evicted: list[str] = []
        if size > self._capacity:
            self._remove(key)
            self.policy.on_evict(key, now, by_policy=False)
            return (key,)
        while self._used - old + size > self._capacity:
            victim = self._evict_victim(now)
            evicted.append(victim)
            if victim == key:
                return tuple(evicted)
        self._resident[key] = size
        self._used += size - old
        self._check_budget()
        self.policy.on_resize(key, self._stats[key], now)
        return tuple(evicted)

    def _make_room(self, size: int, now: int) -> tuple[str, ...]:
        evicted = []
        while self._used + size > self._capacity:
            evicted.append(self._evict_victim(now))
        return tuple(evicted)

    def _evict_victim(self, now: int) -> str:
        victim = self.policy.victim(now)
        if victim not in self._resident:
            raise PolicyError(f"{self._name}: policy {self.policy.name!r} chose victim {victim!r}, which is not "
                              f"resident (resident: {sorted(self._resident)})")
        self._remove(victim)
        self.policy.on_evict(victim, now, by_policy=True)
        return victim

    def _remove(self, key: str) -> None:
        self._used -= self._resident.pop(key)

    def _tick(self, now: int) -> None:
        if not isinstance(now, int) or now < self._now:
            raise ValueError(f"{self._name}: clock now={now!r} must be an int >= the latest clock {self._now}")
        self._now = now

    def _check_size(self, key: str, size: int) -> None:
        if not isinstance(size, int) or size < 1:
            raise ValueError(f"{self._name}: size of {key!r} is {size!r}, must be an int >= 1")

    def _check_budget(self) -> None:
        if self._used > self._capacity:  # unreachable unless this class is broken; cheap to state
            raise AssertionError(f"{self._name}: used={self._used} > capacity={self._capacity}")

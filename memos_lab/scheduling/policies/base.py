"""The eviction policy contract that a BudgetedCache drives.

A policy answers one question: which resident memory to evict next. It keeps
its own bookkeeping and sees only `CubeStats` (size, measured cost, priority,
hits, recency) and a logical clock `now` (the index of the access in the access
sequence: 0, 1, 2, ...). It knows no tier, no tensor, no budget arithmetic:
the cache owns residency and `used <= capacity`.

The calls, in the order a BudgetedCache makes them:

    hit  (key resident):   on_hit(key, stats, now)
    miss (key not resident, fits the capacity at all):
                           admit(key, stats, now) -> bool      once per miss; False = do not cache
                           victim(now) -> key, then on_evict(key, now, by_policy=True)
                                                               repeated until the new key fits
                           on_admit(key, stats, now)
    external eviction:     on_evict(key, now, by_policy=False) (a superseded or expired memory)
    size change:           on_resize(key, stats, now)          key resident, stats hold the new size

`stats` always already include the current access (accesses, hits, last_access).
`victim` is only called while at least one key is resident, must return one of
the resident keys (admitted and not evicted since), and must not change state:
the cache calls `on_evict` next. Given the same calls, a policy must make the
same choices (no randomness, no wall clock).

Why not cachetools: its caches own the storage and evict inside `__setitem__`
(`popitem`), with no separate "who would you evict" question, no ghost history
and no per-item cost; the contract here keeps the choice apart from the budget
arithmetic so one cache serves every policy and the budget check lives in one place.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from memos_lab.scheduling.stats import CubeStats


class Policy(ABC):
    """Chooses eviction victims for one BudgetedCache of `capacity` budget units."""

    name: ClassVar[str]
    clairvoyant: ClassVar[bool] = False  # True: needs `set_future(trace)` before use (the oracle)

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"{type(self).__name__}: capacity={capacity} must be >= 1")
        self.capacity = capacity

    def admit(self, key: str, stats: CubeStats, now: int) -> bool:
        """A miss on `key`: whether to cache it. Called once per miss, before any victim()."""
        return True

    @abstractmethod
    def on_admit(self, key: str, stats: CubeStats, now: int) -> None:
        """`key` became resident."""

    @abstractmethod
    def on_hit(self, key: str, stats: CubeStats, now: int) -> None:
        """`key` was requested while resident."""

    @abstractmethod
    def on_evict(self, key: str, now: int, by_policy: bool) -> None:
        """`key` left the cache: as this policy's victim (True) or removed from outside (False)."""

    @abstractmethod
    def victim(self, now: int) -> str:
        """The resident key to evict next. Pure: the cache calls on_evict(key, ...) right after."""

    def on_resize(self, key: str, stats: CubeStats, now: int) -> None:
        """The resident `key` changed size to `stats.size` (default: the policy ignores sizes)."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(capacity={self.capacity})"

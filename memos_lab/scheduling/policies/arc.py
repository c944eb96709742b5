"""ARC: Adaptive Replacement Cache (Megiddo & Modha, "ARC: A Self-Tuning, Low
Overhead Replacement Cache", FAST 2003), written from the paper's Figure 4.

Four LRU lists: T1 (resident, seen once recently), T2 (resident, seen at least
twice), B1 and B2 (ghosts: keys recently evicted from T1 and T2, sizes only).
A target p for the size of T1 adapts on ghost hits:

- Case I, hit in T1 or T2: move the key to the MRU end of T2.
- Case II, miss on a B1 ghost: p := min(c, p + d1), d1 = max(1, |B2|/|B1|);
  make room (REPLACE); the key enters T2.
- Case III, miss on a B2 ghost: p := max(0, p - d2), d2 = max(1, |B1|/|B2|);
  make room (REPLACE); the key enters T2.
- Case IV, a new key: make room; it enters T1; the directory is trimmed to
  |T1| + |B1| <= c and |T1| + |T2| + |B1| + |B2| <= 2c, dropping LRU ghosts
  of B1 first, then of B2.
- REPLACE: evict the LRU of T1 into B1 if T1 is non-empty and (|T1| > p, or the
  missed key is a B2 ghost and |T1| = p), else the LRU of T2 into B2.

Size-aware extension (ours): every |list| is the sum of its keys' sizes in
budget units, c is the cache's capacity, and a ghost hit on a key of size s
moves p by s * max(1, ratio), as s unit pages would. REPLACE runs once per
victim the cache asks for, so a large key may push out several, and it falls
back to the other list when the preferred one is empty. With unit sizes this
is the paper's algorithm: trimming after the key enters T1 drops the same LRU
ghost that the paper drops before REPLACE, since REPLACE does not read B1.
An external eviction (`by_policy=False`) forgets the key instead of keeping a
ghost: it was not a replacement decision.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from memos_lab.scheduling.policies.base import Policy
from memos_lab.scheduling.stats import CubeStats


@dataclass
class ARCConfig:
    _target_: str = "memos_lab.scheduling.policies.arc.ARC"
    _partial_: bool = True


class _SizedLRU:
    """An LRU list (LRU first) of key -> size with the total size."""

    def __init__(self) -> None:
        self.items: OrderedDict[str, int] = OrderedDict()
        self.size = 0

    def __contains__(self, key: str) -> bool:
        return key in self.items

    def __bool__(self) -> bool:
        return bool(self.items)

    def push(self, key: str, size: int) -> None:
        self.items[key] = size
        self.size += size

    def pop(self, key: str) -> int:
        size = self.items.pop(key)
        self.size -= size
        return size

    def resize(self, key: str, size: int) -> None:
        self.size += size - self.items[key]
        self.items[key] = size  # an existing key keeps its place

    def lru(self) -> str:
        return next(iter(self.items))


class ARC(Policy):
    name = "arc"

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self.p = 0.0  # target size of T1, in budget units
        self.t1, self.t2, self.b1, self.b2 = _SizedLRU(), _SizedLRU(), _SizedLRU(), _SizedLRU()
        self._incoming: tuple[str, str] = ("", "new")  # the missed key until on_admit, and "new", "b1" or "b2"

    def admit(self, key: str, stats: CubeStats, now: int) -> bool:
        size = stats.size
        if key in self.b1:  # Case II
            self.p = min(float(self.capacity), self.p + size * max(1.0, self.b2.size / self.b1.size))
            self.b1.pop(key)
            self._incoming = (key, "b1")
        elif key in self.b2:  # Case III
            self.p = max(0.0, self.p - size * max(1.0, self.b1.size / self.b2.size))
            self.b2.pop(key)
            self._incoming = (key, "b2")
        else:  # Case IV
            self._incoming = (key, "new")
        return True

    def victim(self, now: int) -> str:  # REPLACE
        from_b2 = self._incoming[1] == "b2"
        if self.t1 and (not self.t2 or self.t1.size > self.p or (from_b2 and self.t1.size == self.p)):
            return self.t1.lru()
        return self.t2.lru()

    def on_evict(self, key: str, now: int, by_policy: bool) -> None:
        resident, ghosts = (self.t1, self.b1) if key in self.t1 else (self.t2, self.b2)
        size = resident.pop(key)
        if by_policy:
            ghosts.push(key, size)

    def on_admit(self, key: str, stats: CubeStats, now: int) -> None:
        incoming, origin = self._incoming
        self._incoming = ("", "new")
        (self.t2 if incoming == key and origin != "new" else self.t1).push(key, stats.size)
        self._trim_ghosts()

    def on_hit(self, key: str, stats: CubeStats, now: int) -> None:  # Case I
        size = (self.t1 if key in self.t1 else self.t2).pop(key)
        self.t2.push(key, size)

    def on_resize(self, key: str, stats: CubeStats, now: int) -> None:
        (self.t1 if key in self.t1 else self.t2).resize(key, stats.size)
        self._trim_ghosts()

    def _trim_ghosts(self) -> None:
        capacity = self.capacity
        while self.b1 and self.t1.size + self.b1.size > capacity:
            self.b1.pop(self.b1.lru())
        while (self.b1 or self.b2) and self.t1.size + self.t2.size + self.b1.size + self.b2.size > 2 * capacity:
            ghosts = self.b2 if self.b2 else self.b1
            ghosts.pop(ghosts.lru())

"""Per-memory statistics that a BudgetedCache keeps and hands to its policy.

The cache keeps one `CubeStats` per key it has ever seen, evicted keys included,
so policies that learn from history (ARC's ghosts, LFU counting past accesses)
can read it. Stats are immutable: the cache replaces them on every change, so a
policy may keep the object it was given without it changing underneath.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CubeStats:
    key: str
    size: int  # in budget units: KV tokens, bytes, or adapter slots
    cost_s: float = 0.0  # measured build/prefill seconds; 0.0 = not measured yet
    priority: int = 0  # the header's priority: higher = keep
    accesses: int = 0  # times requested, hits and misses
    hits: int = 0  # times requested while resident
    first_access: int = -1  # logical clock of the first request; -1 = never
    last_access: int = -1  # logical clock of the latest request; -1 = never

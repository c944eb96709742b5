"""Replay an access trace through a BudgetedCache: hits, misses and what they were worth.

Used by the policy tests and by benchmarks that compare policies on workloads.
Clock i is the i-th access; a clairvoyant policy (the oracle) is told the trace.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from memos_lab.scheduling.cache import BudgetedCache
from memos_lab.scheduling.policies.base import Policy


@dataclass(frozen=True)
class SimulationResult:
    policy: str
    hits: int
    misses: int
    hit_rate: float  # hits / accesses (0.0 for an empty trace)
    byte_hit_rate: float  # size of hits / size requested, in the budget's units (bytes or tokens)
    saved_cost_s: float  # build seconds not spent thanks to hits (sum of the hit keys' costs)
    evictions: int  # evictions chosen by the policy
    rejected: int  # misses not cached: larger than the capacity, or refused by the policy


def simulate(policy_factory: Callable[..., Policy], trace: Sequence[str], sizes: Mapping[str, int] | None,
             capacity: int, costs: Mapping[str, float] | None = None,
             priorities: Mapping[str, int] | None = None) -> SimulationResult:
    """Replay `trace` (trace[i] = key accessed at clock i) through a cache of `capacity` units.

    `sizes`, `costs` (measured build seconds) and `priorities` map keys to their values; a key missing from
    them (or a None mapping) has size 1, cost 0.0 (unknown) and priority 0."""
    cache = BudgetedCache(policy_factory, capacity)
    if cache.policy.clairvoyant:
        cache.policy.set_future(trace)
    sizes, costs, priorities = sizes or {}, costs or {}, priorities or {}
    hits = evictions = rejected = 0
    hit_units = total_units = 0
    saved = 0.0
    for now, key in enumerate(trace):
        size = sizes.get(key, 1)
        result = cache.access(key, size, now, cost_s=costs.get(key, 0.0), priority=priorities.get(key, 0))
        total_units += size
        if result.hit:
            hits += 1
            hit_units += size
            saved += costs.get(key, 0.0)
        rejected += bool(result.rejected)
        evictions += len(result.evicted)
    accesses = len(trace)
    return SimulationResult(
        policy=cache.policy.name, hits=hits, misses=accesses - hits, hit_rate=hits / accesses if accesses else 0.0,
        byte_hit_rate=hit_units / total_units if total_units else 0.0, saved_cost_s=saved, evictions=evictions,
        rejected=rejected)

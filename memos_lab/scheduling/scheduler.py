"""MemScheduler: what lives in the activation tier, under a budget, decided by a policy.

It sits between the MemOS facade and the tiers. The facade reports every
answered query (`after_answer`: which cubes retrieval brought); the scheduler
counts which of them the KV tier already held (its hit rate), queues the
accesses, and every `interval` queries `tick`s: the queued accesses go through
a `BudgetedCache` (the policy picks victims; the budget is never exceeded),
and each namespace whose resident set changed is handed to the tier
(`set_resident`), which pre-fills or loads only what is new. The tier never
calls the scheduler; the policy sees statistics only.

Budgets are in KV tokens of the memory lines (`kv_tokens`) or bytes
(`kv_bytes` = tokens x the model's KV bytes per token). Build costs given to
cost-aware policies are measured: the tier's prefill seconds per token so far.

`series()` is one row per tick (series.py): the resident set after it, the
hits and latencies of the queries since the previous tick, and its work.

With the parameter tier the scheduler keeps at most `adapter_slots` LoRA
adapters loaded: before a namespace's adapter is trained or used
(`before_use`), the namespace is accessed in a second budgeted cache of unit
sizes, and the namespaces it evicts are detached (their cubes stay in the
store; a later answer reloads them), so the slots are never exceeded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from memos_lab.cube import MemCube
from memos_lab.scheduling.cache import BudgetedCache
from memos_lab.scheduling.migration.base import Migrator
from memos_lab.scheduling.migration.runner import Migration
from memos_lab.scheduling.policies.base import Policy
from memos_lab.scheduling.series import TickReport, TickSeries


@dataclass
class MemSchedulerConfig:
    _target_: str = "memos_lab.scheduling.scheduler.MemScheduler"
    _partial_: bool = True
    interval: int = 1  # queries between ticks (the scheduler acts between queries)

    def __post_init__(self) -> None:
        if self.interval < 1:
            raise ValueError(f"scheduler.interval={self.interval} must be >= 1")


@dataclass(frozen=True)
class Access:
    cube: MemCube
    namespace: str
    actor: str


@dataclass
class Totals:
    ticks: int = 0
    work: TickReport = field(default_factory=TickReport)  # summed over ticks


class MemScheduler:
    def __init__(self, tier: Any, policy: Callable[..., Policy], kv_tokens: int | None = None,
                 kv_bytes: int | None = None, interval: int = 1, adapter_slots: int | None = None,
                 migration: Sequence[Migrator] | None = None) -> None:
        """`migration`: rules run at the end of every tick, in order (memos_lab/scheduling/migration/)."""
        self.manages_kv, self.manages_adapters = hasattr(tier, "set_resident"), hasattr(tier, "detach")
        if not (self.manages_kv or self.manages_adapters):
            raise ValueError(f"the scheduler manages KV caches or adapters: tier {type(tier).__name__} holds "
                             "neither (use tier=kv or tier=lora)")
        if self.manages_kv and (kv_tokens is None) == (kv_bytes is None):
            raise ValueError("the scheduler needs exactly one budget: budget.kv_tokens or budget.kv_bytes")
        if interval < 1:
            raise ValueError(f"scheduler.interval={interval} must be >= 1")
        self.tier, self.interval = tier, interval
        self.unit = "tokens" if kv_tokens is not None else "bytes"
        self.cache = BudgetedCache(policy, (kv_tokens if kv_tokens is not None else kv_bytes) or 1)
        self.policy_name = self.cache.policy.name
        self.adapter_cache = BudgetedCache(policy, adapter_slots or 1) if self.manages_adapters else None
        if self.adapter_cache is not None and getattr(self.adapter_cache.policy, "clairvoyant", False):
            raise ValueError(f"policy={self.policy_name} needs the future accesses, known for KV residency only")
        self.adapter_clock = self.adapter_hits = 0
        self.clock = 0  # accesses observed so far: the policies' logical time
        self.trace: list[str] = []
        self.pending: list[Access] = []
        self.queries_since_tick = 0
        self.cubes: dict[str, Access] = {}
        self.actors: dict[str, str] = {}  # namespace -> the actor of its latest access
        self.tokens: dict[str, int] = {}
        self.totals = Totals()
        self.ticks = TickSeries()
        self.migration = Migration(self, migration or ())

    @property
    def needs_future(self) -> bool:
        return hasattr(self.cache.policy, "set_future")

    def plan(self, future_keys: Sequence[str]) -> None:
        """Tell a clairvoyant policy (the oracle) the accesses to come, in order."""
        if self.needs_future:
            self.cache.policy.set_future([*self.trace, *future_keys])

    def before_use(self, namespace: str) -> dict[str, Any]:
        """Make room for `namespace`'s adapter before it is trained or answers (the parameter tier)."""
        if self.adapter_cache is None:
            return {}
        hit = namespace in self.adapter_cache
        result = self.adapter_cache.access(namespace, 1, self.adapter_clock)
        self.adapter_clock, self.adapter_hits = self.adapter_clock + 1, self.adapter_hits + hit
        for evicted in result.evicted:
            self.tier.detach(evicted)
        return {"adapter_hit": hit, "adapter_evictions": len(result.evicted),
                "adapters_loaded": len(self.adapter_cache)}

    def after_answer(self, namespace: str, actor: str, retrieved: Sequence[MemCube], answer_s: float | None = None,
                     ttft_s: float | None = None) -> dict[str, Any]:
        """Account one answered query (and its latencies, for the per-tick series); tick when `interval`
        queries have passed. Returns the record's fields."""
        if not self.manages_kv:
            return {"policy": self.policy_name}
        resident = {c.id for c in self.tier.hot(namespace).cubes}
        tokens = [self._tokens(c) for c in retrieved]
        hit_tokens = sum(t for c, t in zip(retrieved, tokens, strict=True) if c.id in resident)
        hit_cubes = sum(c.id in resident for c in retrieved)
        self.ticks.observe((hit_cubes, hit_tokens), (len(retrieved), sum(tokens)), answer_s, ttft_s)
        for cube in retrieved:
            self.pending.append(Access(cube, namespace, actor))
            self.trace.append(cube.id)
        self.queries_since_tick += 1
        report = self.tick() if self.queries_since_tick >= self.interval else TickReport()
        resident_tokens = self._resident_tokens()
        return {
            "policy": self.policy_name,
            "kv_hit_cubes": hit_cubes,
            "retrieved_cubes": len(retrieved),
            "kv_hit_tokens": hit_tokens,
            "retrieved_tokens": sum(tokens),
            "scheduler_s": report.seconds,
            "promotions": report.promotions,
            "evictions": report.evictions,
            "scheduler_prefill_tokens": report.prefill_tokens,
            "scheduler_prefill_s": report.prefill_s,
            "kv_resident_tokens": resident_tokens,
            "kv_resident_bytes": resident_tokens * self.tier.bytes_per_token,
        }

    def tick(self) -> TickReport:
        """Run the queued accesses through the cache and make the tier hold what it decided."""
        start = time.perf_counter()
        before = set(self.cache.resident)
        for access in self.pending:
            self._access(access)
        self.pending, self.queries_since_tick = [], 0
        after = set(self.cache.resident)
        report = TickReport(promotions=len(after - before), evictions=len(before - after))
        for namespace in sorted({self.cubes[k].namespace for k in before ^ after}):
            self._apply(namespace, report)
        for namespace in self.migration.run(before, after):  # the namespaces whose residency the rules changed
            self._apply(namespace, report)
        report.seconds = time.perf_counter() - start
        self._add(report)
        return report

    def series(self) -> list[dict[str, Any]]:
        """One row per tick so far: residency, hits, work and latencies (fields: series.py)."""
        return [dict(row) for row in self.ticks.rows]

    def summary(self) -> dict[str, Any]:
        totals, work, per_token = self.totals, self.totals.work, getattr(self.tier, "bytes_per_token", 0)
        resident = [row["kv_resident_tokens"] for row in self.ticks.rows]
        adapters = {} if self.adapter_cache is None else {
            "adapter_slots": self.adapter_cache.capacity,
            "adapter_accesses": self.adapter_clock,
            "adapter_hits": self.adapter_hits,
        }
        migration = {"migrations": self.migration.counts()} if self.migration.rules else {}
        return adapters | migration | {
            "policy": self.policy_name,
            "budget": {"unit": self.unit, "capacity": self.cache.capacity},
            "interval": self.interval,
            "ticks": totals.ticks,
            "promotions": work.promotions,
            "evictions": work.evictions,
            "scheduler_s": work.seconds,
            "scheduler_prefill_tokens": work.prefill_tokens,
            "scheduler_prefill_s": work.prefill_s,
            "kv_resident_tokens_max": max(resident, default=0),
            "kv_resident_tokens_mean": _mean(resident),
            "kv_resident_bytes_max": max(resident, default=0) * per_token,
            "kv_resident_bytes_mean": _mean(resident) * per_token,
        }

    # What migration rules may do to the KV residency (memos_lab/scheduling/migration/).
    def actor_of(self, key: str) -> str:
        return self.cubes[key].actor

    def evict(self, key: str) -> None:
        """Take a memory out of the KV budget (expired, distilled); its namespace is re-applied after the rules."""
        if self.cache.evict(key, self.clock):
            self.migration.changed.add(self.cubes[key].namespace)

    def cover(self, key: str) -> None:
        """A memory another tier (an adapter) now stands for: out of the KV budget and not admitted again."""
        self.evict(key)
        self.migration.covered.add(key)

    def uncover(self, key: str) -> None:
        self.migration.covered.discard(key)

    def covered_in(self, namespace: str) -> list[str]:
        return sorted(k for k in self.migration.covered if self.cubes[k].namespace == namespace)

    def _access(self, access: Access) -> None:
        key = access.cube.id
        if key in self.migration.covered:
            return
        self.cubes[key] = access
        self.actors[access.namespace] = access.actor
        tokens = self._tokens(access.cube)
        size = tokens if self.unit == "tokens" else tokens * self.tier.bytes_per_token
        self.cache.access(key, size, self.clock, cost_s=tokens * self._seconds_per_token(),
                          priority=int(access.cube.header.priority))
        self.clock += 1

    def _apply(self, namespace: str, report: TickReport) -> None:
        keys = [k for k in self.cache.resident if self.cubes[k].namespace == namespace]
        residency = self.tier.set_resident(namespace, self.actors[namespace], [self.cubes[k].cube for k in keys])
        report.prefill_tokens += residency.built.prefill_tokens
        report.prefill_s += residency.built.prefill_s
        report.pieces_loaded += residency.built.pieces_loaded

    def _tokens(self, cube: MemCube) -> int:
        if cube.id not in self.tokens:
            self.tokens[cube.id] = self.tier.memory_tokens(cube)
        return self.tokens[cube.id]

    def _resident_tokens(self) -> int:
        return sum(self.tokens[k] for k in self.cache.resident)

    def _seconds_per_token(self) -> float:
        """Measured prefill seconds per token so far (0.0 before the first build: cost then falls back to size)."""
        work = self.totals.work
        return work.prefill_s / work.prefill_tokens if work.prefill_tokens else 0.0

    def _add(self, report: TickReport) -> None:
        self.totals.ticks += 1
        self.totals.work.add(report)
        adapters = None if self.adapter_cache is None else len(self.adapter_cache)
        self.ticks.close(report, self._resident_tokens(), self.tier.bytes_per_token, adapters)


def _mean(values: Sequence[int]) -> float:
    return sum(values) / len(values) if values else 0.0

"""distil_stable: a namespace whose resident memories stayed the same (ids and content) for `window` ticks is
distilled, in the scheduler's time, into one LoRA adapter cube (with the memories it already covered); the
adapter moves generated -> activated, each source gets a version naming the adapter, and the sources leave
the KV budget (the scheduler no longer admits them while the adapter covers them). Needs `tier=all`."""

from __future__ import annotations

from dataclasses import dataclass

from memos_lab.cube import Lifecycle
from memos_lab.scheduling.migration.base import MigrationContext, Migrator, Move
from memos_lab.scheduling.migration.moves import move, record


@dataclass
class DistilStableConfig:
    _target_: str = "memos_lab.scheduling.migration.distil_stable.DistilStable"
    window: int = 3  # ticks a namespace's resident set must stay unchanged
    min_memories: int = 2  # fewer resident memories are not worth an adapter

    def __post_init__(self) -> None:
        for key in ("window", "min_memories"):
            if getattr(self, key) < 1:
                raise ValueError(f"migration.distil_stable.{key}={getattr(self, key)} must be >= 1")


class DistilStable(Migrator):
    name = "distil_stable"

    def __init__(self, window: int = 3, min_memories: int = 2) -> None:
        DistilStableConfig(window=window, min_memories=min_memories)
        self.window, self.min_memories = window, min_memories
        self.stable: dict[str, tuple[frozenset, int]] = {}  # namespace -> (resident (id, content hash), since tick)

    def run(self, ctx: MigrationContext) -> list[Move]:
        if not hasattr(ctx.scheduler.tier, "parameter"):
            raise ValueError("migration.distil_stable trains adapters: it needs tier=all")
        return [self._distil(ctx, ns) for ns in sorted(ctx.scheduler.actors) if self._due(ctx, ns)]

    def _due(self, ctx: MigrationContext, namespace: str) -> bool:
        scheduler = ctx.scheduler
        keys = [k for k in scheduler.cache.resident if scheduler.cubes[k].namespace == namespace]
        actor = scheduler.actors[namespace]
        resident = frozenset((k, ctx.store.header(k, actor).content_hash) for k in keys)
        previous, since = self.stable.get(namespace, (None, ctx.tick))
        self.stable[namespace] = (resident, since if previous == resident else ctx.tick)
        return len(resident) >= self.min_memories and ctx.tick - self.stable[namespace][1] >= self.window

    def _distil(self, ctx: MigrationContext, namespace: str) -> Move:
        scheduler, parameter = ctx.scheduler, ctx.scheduler.tier.parameter
        actor = scheduler.actors[namespace]
        resident = [k for k, _ in self.stable.pop(namespace)[0]]
        sources = sorted({*resident, *scheduler.covered_in(namespace)})
        scheduler.before_use(namespace)  # an adapter slot, under budget.adapter_slots
        parameter.prepare(namespace, actor, [ctx.store.get(k, actor, touch=False) for k in sources])
        adapter = parameter.cube_ids[namespace]
        record(ctx, actor, adapter, self.name, sources, Lifecycle.ACTIVATED)
        for key in resident:
            record(ctx, actor, key, self.name, [adapter])
            scheduler.cover(key)
        return move(ctx, self.name, sources, adapter)

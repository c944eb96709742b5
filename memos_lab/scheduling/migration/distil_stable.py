"""distil_stable: a namespace whose resident current memories stayed the same (ids and content) for `window`
ticks is distilled, in the scheduler's time, into one LoRA adapter cube (with the memories it already
covered). Superseded memories kept resident for questions about the past are left out: undistil would
retire an adapter made from them at once.

Then the adapter is probed (parameter/recall.py): only the memories it reproduces (recall >= `min_recall`)
are *covered*: each gets a version naming the adapter and leaves the KV budget (the scheduler no longer
admits it, the composite tier no longer adds its text); the rest stay in the prompt. The adapter moves
generated -> activated with `covers` and `recall` in its meta. An adapter that covers fewer than
`min_memories` stands for nothing: it is retired (archived, not served) and what it covered returns to text
(counted as `distil_stable.rejected` in the scheduler's migrations).
A resident set already distilled is not distilled again. Needs `tier=all`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from memos_lab.cube import Lifecycle
from memos_lab.lifecycle import SERVED
from memos_lab.scheduling.migration.base import MigrationContext, Migrator, Move
from memos_lab.scheduling.migration.moves import move, record, retire


@dataclass
class DistilStableConfig:
    _target_: str = "memos_lab.scheduling.migration.distil_stable.DistilStable"
    TIERS: ClassVar[tuple[str, ...]] = ("all",)  # the tier options it works in (checked at composition)
    window: int = 3  # ticks a namespace's resident set must stay unchanged
    min_memories: int = 2  # fewer resident (or recalled) memories are not worth an adapter
    min_recall: float = 0.5  # share of a memory's probe answers the adapter must reproduce to cover it (0: all)

    def __post_init__(self) -> None:
        for key in ("window", "min_memories"):
            if getattr(self, key) < 1:
                raise ValueError(f"migration.distil_stable.{key}={getattr(self, key)} must be >= 1")
        if not 0 <= self.min_recall <= 1:
            raise ValueError(f"migration.distil_stable.min_recall={self.min_recall} must be in [0, 1]")


class DistilStable(Migrator):
    name = "distil_stable"

    def __init__(self, window: int = 3, min_memories: int = 2, min_recall: float = 0.5) -> None:
        DistilStableConfig(window=window, min_memories=min_memories, min_recall=min_recall)
        self.window, self.min_memories, self.min_recall = window, min_memories, min_recall
        self.stable: dict[str, tuple[frozenset, int]] = {}  # namespace -> (resident (id, content hash), since tick)
        self.distilled: dict[str, frozenset] = {}  # namespace -> the resident set its last adapter was made from

    def run(self, ctx: MigrationContext) -> list[Move]:
        if not hasattr(ctx.scheduler.tier, "parameter"):
            raise ValueError("migration.distil_stable trains adapters: it needs tier=all")
        return [self._distil(ctx, ns) for ns in sorted(ctx.scheduler.actors) if self._due(ctx, ns)]

    def _due(self, ctx: MigrationContext, namespace: str) -> bool:
        scheduler = ctx.scheduler
        keys = [k for k in scheduler.cache.resident if scheduler.cubes[k].namespace == namespace]
        actor = scheduler.actors[namespace]
        headers = [ctx.store.header(k, actor) for k in keys]
        # a superseded memory may stay resident (history at a date serves it) but is not stable knowledge
        resident = frozenset((h.id, h.content_hash) for h in headers if h.state in SERVED)
        previous, since = self.stable.get(namespace, (None, ctx.tick))
        self.stable[namespace] = (resident, since if previous == resident else ctx.tick)
        if resident == self.distilled.get(namespace):
            return False
        return len(resident) >= self.min_memories and ctx.tick - self.stable[namespace][1] >= self.window

    def _distil(self, ctx: MigrationContext, namespace: str) -> Move:
        scheduler, parameter = ctx.scheduler, ctx.scheduler.tier.parameter
        actor = scheduler.actors[namespace]
        self.distilled[namespace] = self.stable.pop(namespace)[0]
        resident = sorted(k for k, _ in self.distilled[namespace])
        sources = sorted({*resident, *scheduler.covered_in(namespace)})
        cubes = [ctx.store.get(k, actor, touch=False) for k in sources]
        scheduler.before_use(namespace)  # an adapter slot, under budget.adapter_slots
        parameter.grow(namespace, actor, cubes)  # retrained, or (fusion=lora_merge) the new memories merged in
        adapter = parameter.cube_ids[namespace]
        recall = parameter.recall(namespace, actor, cubes) if self.min_recall > 0 else dict.fromkeys(sources, 1.0)
        covers = [k for k in sources if recall[k] >= self.min_recall]
        if len(covers) < self.min_memories:
            return self._reject(ctx, namespace, adapter, sources, recall)
        record(ctx, actor, adapter, self.name, sources, Lifecycle.ACTIVATED, meta={"covers": covers, "recall": recall})
        for key in covers:
            if key not in scheduler.migration.covered:
                record(ctx, actor, key, self.name, [adapter])
                scheduler.cover(key)
        self._uncover(ctx, namespace, [k for k in scheduler.covered_in(namespace) if k not in covers], adapter)
        return move(ctx, self.name, sources, adapter)

    def _reject(self, ctx: MigrationContext, namespace: str, adapter: str, sources: list[str],
                recall: dict[str, float]) -> Move:
        """The adapter recalls too little to stand for its memories: retired, and they all stay in the prompt."""
        actor = ctx.scheduler.actors[namespace]
        record(ctx, actor, adapter, self.name, sources, meta={"covers": [], "recall": recall})
        retire(ctx, namespace, adapter, self.name, sources)
        self._uncover(ctx, namespace, ctx.scheduler.covered_in(namespace), adapter)
        return move(ctx, f"{self.name}.rejected", sources, None)

    def _uncover(self, ctx: MigrationContext, namespace: str, keys: list[str], adapter: str) -> None:
        for key in keys:
            record(ctx, ctx.scheduler.actors[namespace], key, self.name, [adapter])  # back to text
            ctx.scheduler.uncover(key)

"""undistil: an adapter whose source memories were superseded (no longer served: archived, merged or expired,
e.g. by fusion) is retired: the parameter tier stops serving it, its cube is archived, and the memories it
still stood for return to text (a version naming the retired adapter; the scheduler may admit them again)."""

from __future__ import annotations

from dataclasses import dataclass

from memos_lab.lifecycle import SERVED
from memos_lab.scheduling.migration.base import MigrationContext, Migrator, Move
from memos_lab.scheduling.migration.moves import move, record, retire
from memos_lab.tiers.parameter.adapter_cube import memory_sources


@dataclass
class UndistilConfig:
    _target_: str = "memos_lab.scheduling.migration.undistil.Undistil"


class Undistil(Migrator):
    name = "undistil"

    def run(self, ctx: MigrationContext) -> list[Move]:
        parameter = getattr(ctx.scheduler.tier, "parameter", None)
        if parameter is None:
            return []
        adapters = sorted((ns, cube) for ns, cube in parameter.cube_ids.items() if ns in ctx.scheduler.actors)
        return [m for ns, cube in adapters if (m := self._check(ctx, ns, cube)) is not None]

    def _check(self, ctx: MigrationContext, namespace: str, adapter: str) -> Move | None:
        actor = ctx.scheduler.actors[namespace]
        sources = memory_sources(ctx.store.header(adapter, actor))
        stale = [s for s in sources if ctx.store.header(s, actor).state not in SERVED]
        if not stale:
            return None
        retire(ctx, namespace, adapter, self.name, stale)
        for key in (s for s in sources if s not in stale):
            record(ctx, actor, key, self.name, [adapter])  # back to text
            ctx.scheduler.uncover(key)
        return move(ctx, self.name, [adapter], None)


"""demote_cold: a promoted memory the policy evicts from the KV budget goes back to text. Its stored KV piece
(if any) is archived; the plaintext cube stays served, with a version naming the rule."""

from __future__ import annotations

from dataclasses import dataclass

from memos_lab.cube import Lifecycle
from memos_lab.scheduling.migration.base import MigrationContext, Migrator, Move
from memos_lab.scheduling.migration.moves import move, record, restorable


@dataclass
class DemoteColdConfig:
    _target_: str = "memos_lab.scheduling.migration.demote_cold.DemoteCold"


class DemoteCold(Migrator):
    name = "demote_cold"

    def run(self, ctx: MigrationContext) -> list[Move]:
        return [self._demote(ctx, key) for key in sorted(ctx.evicted) if self._promoted(ctx, key)]

    @staticmethod
    def _promoted(ctx: MigrationContext, key: str) -> bool:
        header = ctx.store.header(key, ctx.scheduler.actor_of(key))
        return header.meta.get("migration", {}).get("rule") == "promote_hot"

    def _demote(self, ctx: MigrationContext, key: str) -> Move:
        actor, piece = ctx.scheduler.actor_of(key), ctx.scheduler.tier.piece_of(key)
        if piece is not None and restorable(ctx.store.header(piece, actor).state, Lifecycle.ARCHIVED):
            record(ctx, actor, piece, self.name, [key], Lifecycle.ARCHIVED)
        record(ctx, actor, key, self.name, [key] if piece is None else [piece])  # the text stays
        return move(ctx, self.name, [key] if piece is None else [piece], key)

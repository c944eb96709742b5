"""expire_ttl: a memory past its TTL (`header.ttl_s` after creation, by the store's clock) is expired: a
version naming the rule, then generated/activated/... -> expired, and it leaves the KV budget."""

from __future__ import annotations

from dataclasses import dataclass

from memos_lab.cube import Kind, Lifecycle
from memos_lab.scheduling.migration.base import MigrationContext, Migrator, Move
from memos_lab.scheduling.migration.moves import move, record, restorable


@dataclass
class ExpireTTLConfig:
    _target_: str = "memos_lab.scheduling.migration.expire_ttl.ExpireTTL"


class ExpireTTL(Migrator):
    name = "expire_ttl"

    def run(self, ctx: MigrationContext) -> list[Move]:
        moves = []
        for namespace, actor in sorted(ctx.scheduler.actors.items()):
            for header in ctx.store.list(actor, namespace=namespace, kind=Kind.PLAINTEXT, include_expired=True):
                if header.expires_at is not None and ctx.now >= header.expires_at and restorable(
                        header.state, Lifecycle.EXPIRED):
                    record(ctx, actor, header.id, self.name, [header.id], Lifecycle.EXPIRED)
                    ctx.scheduler.evict(header.id)
                    moves.append(move(ctx, self.name, [header.id], None))
        return moves

"""promote_hot: a memory retrieved k times within the last `window` accesses and resident in the KV tier is
promoted: its plaintext cube moves generated -> activated (a version naming the rule) and its stored KV piece
(if the tier keeps one) is activated too.

The scheduler admits memories on demand, so residency itself comes from the policy; this rule marks which
resident memories are hot enough to count as activation memory, and re-promotes one demoted earlier."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from memos_lab.cube import Lifecycle
from memos_lab.scheduling.migration.base import MigrationContext, Migrator, Move
from memos_lab.scheduling.migration.moves import move, record


@dataclass
class PromoteHotConfig:
    _target_: str = "memos_lab.scheduling.migration.promote_hot.PromoteHot"
    k: int = 2  # accesses within the window that make a memory hot
    window: int = 32  # the last accesses (retrieved memories, in order) counted

    def __post_init__(self) -> None:
        for key in ("k", "window"):
            if getattr(self, key) < 1:
                raise ValueError(f"migration.promote_hot.{key}={getattr(self, key)} must be >= 1")


class PromoteHot(Migrator):
    name = "promote_hot"

    def __init__(self, k: int = 2, window: int = 32) -> None:
        PromoteHotConfig(k=k, window=window)
        self.k, self.window = k, window

    def run(self, ctx: MigrationContext) -> list[Move]:
        scheduler = ctx.scheduler
        recent = Counter(scheduler.trace[-self.window:])
        return [self._promote(ctx, key) for key in scheduler.cache.resident
                if recent[key] >= self.k and self._eligible(ctx, key)]

    def _eligible(self, ctx: MigrationContext, key: str) -> bool:
        """Not promoted since its last move (its latest migration entry names another rule, or none)."""
        header = ctx.store.header(key, ctx.scheduler.actor_of(key))
        promoted = header.meta.get("migration", {}).get("rule") == self.name
        return not promoted and header.state in (Lifecycle.GENERATED, Lifecycle.ACTIVATED, Lifecycle.ARCHIVED)

    def _promote(self, ctx: MigrationContext, key: str) -> Move:
        actor, piece = ctx.scheduler.actor_of(key), ctx.scheduler.tier.piece_of(key)
        record(ctx, actor, key, self.name, [key], Lifecycle.ACTIVATED)
        if piece is not None:
            record(ctx, actor, piece, self.name, [key], Lifecycle.ACTIVATED)
        return move(ctx, self.name, [key], piece)

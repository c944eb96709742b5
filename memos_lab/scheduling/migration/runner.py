"""Running the migration rules at the end of a tick, and what they leave the scheduler to do."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from memos_lab.scheduling.migration.base import MigrationContext, Migrator, Move


class Migration:
    def __init__(self, scheduler: Any, rules: Sequence[Migrator]) -> None:
        self.scheduler, self.rules = scheduler, list(rules)
        self.moves: list[Move] = []  # every move so far, in order
        self.covered: set[str] = set()  # memories an adapter stands for: not admitted to the KV budget
        self.changed: set[str] = set()  # namespaces whose residency the rules changed in this tick

    def run(self, before: set[str], after: set[str]) -> list[str]:
        """Run every rule in order; the namespaces whose residency must be applied again."""
        if not self.rules:
            return []
        store = self.scheduler.tier.store
        ctx = MigrationContext(self.scheduler, store, self.scheduler.totals.ticks, store.clock(),
                               frozenset(after - before), frozenset(before - after))
        for rule in self.rules:
            rule.run(ctx)
        self.moves.extend(ctx.moves)
        changed, self.changed = sorted(self.changed), set()
        return changed

    def counts(self) -> dict[str, int]:
        """Moves per rule (every configured rule, 0 if it never moved anything), and per outcome a rule names
        on its own (e.g. `distil_stable.rejected`)."""
        counts = dict.fromkeys((rule.name for rule in self.rules), 0)
        for made in self.moves:
            counts[made.rule] = counts.get(made.rule, 0) + 1
        return counts

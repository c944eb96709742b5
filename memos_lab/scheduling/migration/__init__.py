"""Migration rules: memories moving between tiers at each scheduler tick (README: Migration)."""

from memos_lab.scheduling.migration.base import REGISTRY, MigrationContext, Migrator, Move, build

__all__ = ["REGISTRY", "MigrationContext", "Migrator", "Move", "build"]

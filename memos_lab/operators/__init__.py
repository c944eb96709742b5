"""Operators over cubes: compose, migrate, fuse (contracts and plaintext references)."""

from memos_lab.operators.base import (
    MIGRATIONS,
    Composer,
    Context,
    Fuser,
    MigrationRegistry,
    Migrator,
    TextDedupe,
    TextJoin,
    derived_cube,
    derived_provenance,
    migrate,
    register_migration,
)

__all__ = [
    "MIGRATIONS",
    "Composer",
    "Context",
    "Fuser",
    "MigrationRegistry",
    "Migrator",
    "TextDedupe",
    "TextJoin",
    "derived_cube",
    "derived_provenance",
    "migrate",
    "register_migration",
]

"""The operator contract, run over every implementation in the case tables."""

from __future__ import annotations

import pytest

from memos_lab.cube import Kind, MemCube, Provenance, plaintext_cube
from memos_lab.operators import (
    Context,
    MigrationRegistry,
    Migrator,
    TextDedupe,
    TextJoin,
    derived_cube,
    migrate,
)

COMPOSERS = [TextJoin(), TextJoin(separator="\n---\n")]
FUSERS = [TextDedupe()]


def cubes(*texts: str, namespace: str = "ns", owner: str = "alice") -> list[MemCube]:
    made = []
    for i, text in enumerate(texts):
        provenance = Provenance(source="locomo:conv-1", refs=(f"D1:{i}",), operator="ingest")
        made.append(plaintext_cube(text, namespace=namespace, owner=owner, provenance=provenance, now=100.0 + i))
    return made


@pytest.mark.parametrize("composer", COMPOSERS, ids=lambda c: c.name)
def test_compose_records_provenance(composer):
    inputs = cubes("Alice likes tea.", "Bob plays chess.")
    context = composer.compose(inputs)
    assert isinstance(context, Context)
    assert context.cube_ids == tuple(c.id for c in inputs)
    assert context.provenance.operator == composer.name
    assert all(c.text in context.text for c in inputs)


@pytest.mark.parametrize("fuser", FUSERS, ids=lambda f: f.name)
def test_fuse_makes_one_new_cube_recording_what_it_came_from(fuser):
    inputs = cubes("Alice likes tea.", "Bob plays chess.")
    fused = fuser.fuse(inputs)
    assert fused.id not in {c.id for c in inputs}
    provenance = fused.header.provenance
    assert (provenance.derived_from, provenance.operator) == (tuple(c.id for c in inputs), fuser.name)
    assert provenance.refs == ("D1:0", "D1:1") and provenance.source == "locomo:conv-1"
    assert (fused.header.namespace, fused.header.owner) == ("ns", "alice")


@pytest.mark.parametrize("fuser", FUSERS, ids=lambda f: f.name)
def test_fuse_refuses_to_mix_namespaces(fuser):
    with pytest.raises(ValueError, match="refusing to mix"):
        fuser.fuse(cubes("a") + cubes("b", namespace="other"))


def test_text_dedupe_merges_and_prefers_the_newer_form():
    old, new = cubes("Alice likes tea.\nAlice lives in Paris.", "alice  LIKES tea.\nAlice moved to Berlin.")
    fused = TextDedupe().fuse([old, new])
    assert fused.text.splitlines() == ["alice  LIKES tea.", "Alice moved to Berlin.", "Alice lives in Paris."]
    assert fused.header.size_bytes == len(fused.text.encode())


def test_text_operators_refuse_other_kinds():
    tensor = cubes("x")[0].replace_header(kind=Kind.ACTIVATION)
    with pytest.raises(TypeError, match="plaintext cubes only"):
        TextJoin().compose([tensor])


class Shout(Migrator):
    """A trivial migrator for the registry tests: plaintext -> parameter, payload upper-cased."""

    name = "migrate.shout"
    source, target = Kind.PLAINTEXT, Kind.PARAMETER

    def migrate(self, cube: MemCube) -> MemCube:
        return derived_cube([cube], Kind.PARAMETER, cube.text.upper(), self.name)


def test_migrate_without_a_registered_migration_names_the_kinds():
    registry = MigrationRegistry()
    with pytest.raises(NotImplementedError, match="from plaintext to activation \\(registered: none\\)"):
        migrate(cubes("x")[0], Kind.ACTIVATION, registry)


def test_migrate_uses_the_registered_migration_and_records_provenance():
    registry = MigrationRegistry()
    registry.register(Shout())
    source = cubes("quiet")[0]
    result = migrate(source, "parameter", registry)
    assert (result.kind, result.payload) == (Kind.PARAMETER, "QUIET")
    assert result.header.provenance.derived_from == (source.id,)
    with pytest.raises(ValueError, match="already registered \\(migrate.shout\\)"):
        registry.register(Shout())
    with pytest.raises(NotImplementedError, match="registered: plaintext -> parameter"):
        migrate(source, Kind.ACTIVATION, registry)
    with pytest.raises(ValueError, match="already plaintext"):
        migrate(source, Kind.PLAINTEXT, registry)

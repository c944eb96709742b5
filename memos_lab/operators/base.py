"""The operator contracts: compose, migrate, fuse, and a plaintext reference.

    compose(cubes) -> Context     several cubes become one context for a query
    migrate(cube, to_kind) -> cube  a payload changes kind (via a registered Migrator)
    fuse(cubes) -> cube           several cubes become one

Every result records its provenance: the ids it was made from and the
operator's name. Payload kinds fill these in later issues (KV concatenation,
LoRA merging, prefill, training); here are the abstract bases, a registry of
migrations keyed by (from kind, to kind) that refuses duplicates, and trivial
plaintext implementations: join texts, dedupe-and-merge texts.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from memos_lab.cube import Kind, MemCube, Provenance, fresh_header, text_hash


@dataclass(frozen=True)
class Context:
    """What compose hands to a tier: text for the prompt, or kind-specific parts, and where it came from."""

    text: str
    provenance: Provenance
    parts: tuple[Any, ...] = ()

    @property
    def cube_ids(self) -> tuple[str, ...]:
        return self.provenance.derived_from


class Composer(ABC):
    name: ClassVar[str]

    @abstractmethod
    def compose(self, cubes: Sequence[MemCube]) -> Context:
        """One context from `cubes`, in the order given."""


class Fuser(ABC):
    name: ClassVar[str]

    @abstractmethod
    def fuse(self, cubes: Sequence[MemCube]) -> MemCube:
        """One new cube (same namespace and owner) that stands for all of `cubes`."""


class Migrator(ABC):
    name: ClassVar[str]
    source: ClassVar[Kind]
    target: ClassVar[Kind]

    @abstractmethod
    def migrate(self, cube: MemCube) -> MemCube:
        """A new cube of kind `target` carrying the memory of `cube` (of kind `source`)."""


class MigrationRegistry:
    """Migrators by (from kind, to kind); a second one for the same pair is refused."""

    def __init__(self) -> None:
        self._migrators: dict[tuple[Kind, Kind], Migrator] = {}

    def register(self, migrator: Migrator) -> Migrator:
        key = (Kind(migrator.source), Kind(migrator.target))
        if key in self._migrators:
            held = self._migrators[key].name
            raise ValueError(f"a migration {key[0].value} -> {key[1].value} is already registered ({held})")
        self._migrators[key] = migrator
        return migrator

    def unregister(self, source: Kind | str, target: Kind | str) -> None:
        self._migrators.pop((Kind(source), Kind(target)), None)

    def get(self, source: Kind | str, target: Kind | str) -> Migrator:
        key = (Kind(source), Kind(target))
        if key not in self._migrators:
            known = ", ".join(f"{s.value} -> {t.value}" for s, t in sorted(self._migrators)) or "none"
            raise NotImplementedError(
                f"no migration registered from {key[0].value} to {key[1].value} (registered: {known})"
            )
        return self._migrators[key]

    def pairs(self) -> list[tuple[Kind, Kind]]:
        return sorted(self._migrators)


MIGRATIONS = MigrationRegistry()


def register_migration(migrator: Migrator) -> Migrator:
    """Add a migrator to the default registry (the KV and LoRA tiers do this for theirs)."""
    return MIGRATIONS.register(migrator)


def migrate(cube: MemCube, to_kind: Kind | str, registry: MigrationRegistry = MIGRATIONS) -> MemCube:
    """`cube` as a payload of `to_kind`; NotImplementedError names the kinds when nothing is registered."""
    to_kind = Kind(to_kind)
    if cube.kind is to_kind:
        raise ValueError(f"cube {cube.id} is already {to_kind.value}")
    migrator = registry.get(cube.kind, to_kind)
    result = migrator.migrate(cube)
    if result.kind is not to_kind or cube.id not in result.header.provenance.derived_from:
        raise TypeError(f"migrator {migrator.name} must return a {to_kind.value} cube derived from {cube.id}")
    return result


def derived_provenance(cubes: Sequence[MemCube], operator: str) -> Provenance:
    """Provenance of a result made from `cubes`: their ids, their refs, a shared source if any."""
    sources = {c.header.provenance.source for c in cubes}
    refs = dict.fromkeys(ref for c in cubes for ref in c.header.provenance.refs)
    return Provenance(
        source=sources.pop() if len(sources) == 1 else "",
        refs=tuple(refs),
        derived_from=tuple(c.id for c in cubes),
        operator=operator,
    )


def derived_cube(cubes: Sequence[MemCube], kind: Kind, payload: Any, operator: str, **header: Any) -> MemCube:
    """A new cube made from `cubes`, which must share one namespace and owner."""
    if not cubes:
        raise ValueError(f"{operator}: needs at least one cube")
    scopes = {(c.header.namespace, c.header.owner) for c in cubes}
    if len(scopes) != 1:
        raise ValueError(f"{operator}: cubes span several namespaces/owners {sorted(scopes)}; refusing to mix them")
    (namespace, owner) = scopes.pop()
    fields = {"priority": max(c.header.priority for c in cubes), **header}
    provenance = derived_provenance(cubes, operator)
    made = fresh_header(kind, namespace=namespace, owner=owner, provenance=provenance, **fields)
    return MemCube(made, payload)


# -- the plaintext reference implementations --------------------------------


def _require_text(cubes: Sequence[MemCube], operator: str) -> None:
    wrong = [f"{c.id} ({c.kind.value})" for c in cubes if c.kind is not Kind.PLAINTEXT]
    if wrong:
        raise TypeError(f"{operator} takes plaintext cubes only, got {', '.join(wrong)}")


class TextJoin(Composer):
    """Join the texts, one cube per block, in the order given."""

    name = "compose.text_join"

    def __init__(self, separator: str = "\n") -> None:
        self.separator = separator

    def compose(self, cubes: Sequence[MemCube]) -> Context:
        _require_text(cubes, self.name)
        return Context(self.separator.join(c.text for c in cubes), derived_provenance(cubes, self.name))


class TextDedupe(Fuser):
    """Merge the texts line by line, dropping repeats (case and spacing ignored).

    Conflict rule: where two cubes hold the same line in different forms, the
    form from the preferred cube wins: higher priority first, then the most
    recently updated. The merged lines follow that same preference order.
    """

    name = "fuse.text_dedupe"

    def fuse(self, cubes: Sequence[MemCube]) -> MemCube:
        _require_text(cubes, self.name)
        preferred = sorted(cubes, key=lambda c: (-c.header.priority, -c.header.updated_at))
        lines = {}
        for cube in preferred:
            for line in filter(str.strip, cube.text.splitlines()):
                lines.setdefault(_normal(line), line.strip())
        text = "\n".join(lines.values())
        return derived_cube(
            cubes,
            Kind.PLAINTEXT,
            text,
            self.name,
            content_hash=text_hash(text),
            size_bytes=len(text.encode("utf-8")),
        )


def _normal(line: str) -> str:
    return re.sub(r"\s+", " ", line).strip().casefold()

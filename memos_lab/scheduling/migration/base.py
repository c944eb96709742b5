"""The Migrator contract and its registry.

A migrator is one rule that moves memories between tiers. The scheduler runs
its migrators, in the configured order, at the end of every tick (after the
tick's accesses went through the KV cache and the tier holds the result);
each returns the `Move`s it made. Every move is written to the store by
`moves.record`: a new version of each cube it touches, whose
`meta["migration"]` names the rule, the source ids and the time, plus a legal
lifecycle transition. A subclass with a `name` registers itself.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

REGISTRY: dict[str, type[Migrator]] = {}


@dataclass(frozen=True)
class Move:
    """One migration: `rule` moved `sources` into `target` (a cube id, or None when only the sources changed)."""

    rule: str
    sources: tuple[str, ...]
    target: str | None
    at: float
    tick: int


@dataclass
class MigrationContext:
    """What a rule sees at a tick: the scheduler (cache, trace, tier), the store, and what the tick did."""

    scheduler: Any
    store: Any
    tick: int
    now: float
    admitted: frozenset[str] = frozenset()  # memory ids made resident by this tick's accesses
    evicted: frozenset[str] = frozenset()  # memory ids the policy evicted in this tick
    moves: list[Move] = field(default_factory=list)


class Migrator(ABC):
    name: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            if cls.name in REGISTRY:
                raise ValueError(f"migration rule {cls.name!r} is registered twice")
            REGISTRY[cls.name] = cls

    @abstractmethod
    def run(self, ctx: MigrationContext) -> list[Move]:
        """Make this rule's moves for the tick; the moves made."""


def build(name: str, **params: Any) -> Migrator:
    """The registered rule `name` with its parameters (the modules under migration/ register on import)."""
    from memos_lab.scheduling.migration import rules  # noqa: F401 (registers every rule)

    if name not in REGISTRY:
        raise KeyError(f"no migration rule {name!r}: known {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name](**params)

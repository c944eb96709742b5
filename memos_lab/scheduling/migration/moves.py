"""Writing a move to the store: a new version with the migration's provenance, then a lifecycle transition."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from memos_lab.cube import Lifecycle
from memos_lab.lifecycle import can_transition
from memos_lab.scheduling.migration.base import MigrationContext, Move


def record(ctx: MigrationContext, actor: str, cube_id: str, rule: str, sources: Sequence[str],
           state: Lifecycle | None = None, meta: Mapping[str, Any] | None = None) -> None:
    """Version `cube_id` with `meta["migration"]` = {rule, sources, at, tick} (and any other `meta`); then move
    it to `state` if that is a change (an illegal transition raises, naming both states)."""
    cube = ctx.store.get(cube_id, actor, touch=False)
    entry = {"rule": rule, "sources": list(sources), "at": ctx.now, "tick": ctx.tick}
    ctx.store.update(cube.replace_header(meta={**cube.header.meta, **(meta or {}), "migration": entry}), actor)
    if state is not None and cube.header.state is not state:
        ctx.store.transition(cube_id, actor, state)


def restorable(state: Lifecycle, target: Lifecycle) -> bool:
    """Whether a cube in `state` may be moved to `target` (closed and merged cubes stay where they are)."""
    return state is not target and can_transition(state, target)


def move(ctx: MigrationContext, rule: str, sources: Sequence[str], target: str | None) -> Move:
    made = Move(rule, tuple(sources), target, ctx.now, ctx.tick)
    ctx.moves.append(made)
    return made


def retire(ctx: MigrationContext, namespace: str, adapter: str, rule: str, because: Sequence[str]) -> None:
    """The namespace's adapter no longer answers; its cube is archived, naming the sources it failed."""
    actor = ctx.scheduler.actors[namespace]
    ctx.scheduler.tier.parameter.retire(namespace)
    if restorable(ctx.store.header(adapter, actor).state, Lifecycle.ARCHIVED):
        record(ctx, actor, adapter, rule, because, Lifecycle.ARCHIVED)

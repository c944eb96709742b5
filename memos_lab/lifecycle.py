"""The lifecycle of a cube as an explicit state machine.

    generated -> activated -> merged -> archived
         \\            \\         \\-> expired
          \\-> merged   \\-> archived -> activated (restored)
    any live state -> frozen -> activated | archived (unfrozen)

`expired` is terminal. A frozen or expired cube refuses every change to its
content; only a legal transition moves it on.
"""

from __future__ import annotations

from collections.abc import Mapping

from memos_lab.cube import Lifecycle

G, A, M, R, E, F = (
    Lifecycle.GENERATED,
    Lifecycle.ACTIVATED,
    Lifecycle.MERGED,
    Lifecycle.ARCHIVED,
    Lifecycle.EXPIRED,
    Lifecycle.FROZEN,
)

TRANSITIONS: Mapping[Lifecycle, frozenset[Lifecycle]] = {
    G: frozenset({A, M, R, E, F}),
    A: frozenset({M, R, E, F}),
    M: frozenset({R, E, F}),
    R: frozenset({A, E, F}),
    E: frozenset(),
    F: frozenset({A, R}),
}

CLOSED: frozenset[Lifecycle] = frozenset({E, F})
# States whose cubes answer queries. Merged cubes live on in the cube they were merged into, archived ones
# (e.g. a statement superseded by a newer one) in the store and its history; search leaves both out.
SERVED: frozenset[Lifecycle] = frozenset({G, A, F})


class LifecycleError(ValueError):
    """A cube's lifecycle state forbids what was asked."""


class IllegalTransitionError(LifecycleError):
    def __init__(self, source: Lifecycle, target: Lifecycle, cube_id: str = "") -> None:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[source])) or "none (terminal)"
        where = f"cube {cube_id}: " if cube_id else ""
        super().__init__(
            f"{where}illegal lifecycle transition {source.value} -> {target.value} (from {source.value}: {allowed})"
        )
        self.source, self.target = source, target


class FrozenCubeError(LifecycleError):
    def __init__(self, cube_id: str, state: Lifecycle) -> None:
        super().__init__(f"cube {cube_id} is {state.value}: its content cannot change")
        self.cube_id, self.state = cube_id, state


def can_transition(source: Lifecycle | str, target: Lifecycle | str) -> bool:
    return Lifecycle(target) in TRANSITIONS[Lifecycle(source)]


def transition(source: Lifecycle | str, target: Lifecycle | str, cube_id: str = "") -> Lifecycle:
    """The new state, or IllegalTransitionError naming both states."""
    source, target = Lifecycle(source), Lifecycle(target)
    if target not in TRANSITIONS[source]:
        raise IllegalTransitionError(source, target, cube_id)
    return target


def check_mutable(cube_id: str, state: Lifecycle | str) -> None:
    """Raise FrozenCubeError if a cube in `state` may not change its content."""
    state = Lifecycle(state)
    if state in CLOSED:
        raise FrozenCubeError(cube_id, state)

from __future__ import annotations

import itertools

import pytest

from memos_lab.cube import Lifecycle
from memos_lab.lifecycle import (
    TRANSITIONS,
    FrozenCubeError,
    IllegalTransitionError,
    can_transition,
    check_mutable,
    transition,
)


def test_the_paper_path_is_legal():
    state = Lifecycle.GENERATED
    for target in ("activated", "merged", "archived", "expired"):
        state = transition(state, target)
    assert state is Lifecycle.EXPIRED


@pytest.mark.parametrize(("source", "target"), [(s, t) for s, t in itertools.product(Lifecycle, Lifecycle)])
def test_every_pair_is_either_allowed_or_names_both_states(source, target):
    if target in TRANSITIONS[source]:
        assert transition(source, target) is target
        return
    with pytest.raises(IllegalTransitionError) as raised:
        transition(source, target, cube_id="c9")
    message = str(raised.value)
    assert f"{source.value} -> {target.value}" in message and "cube c9" in message


def test_expired_is_terminal_and_frozen_only_unfreezes():
    assert not TRANSITIONS[Lifecycle.EXPIRED]
    assert can_transition("frozen", "activated") and not can_transition("frozen", "merged")


@pytest.mark.parametrize("state", [Lifecycle.FROZEN, Lifecycle.EXPIRED])
def test_closed_states_block_changes(state):
    with pytest.raises(FrozenCubeError, match=f"cube c1 is {state.value}"):
        check_mutable("c1", state)


def test_live_states_allow_changes():
    for state in set(Lifecycle) - {Lifecycle.FROZEN, Lifecycle.EXPIRED}:
        check_mutable("c1", state)

from __future__ import annotations

from dataclasses import replace

import pytest
from store_helpers import text_cube

from memos_lab.cube import Lifecycle, MemCube
from memos_lab.lifecycle import FrozenCubeError
from memos_lab.store import CubeExistsError, CubeNotFoundError, VersionConflictError


def test_update_writes_a_new_version_and_keeps_the_old(store):
    first = store.put(text_cube("Alice lives in Paris."), "alice")
    second = store.update(MemCube(first, "Alice lives in Berlin."), "alice")
    assert (second.version, second.parent_version) == (2, 1)
    assert store.get(first.id, "alice").text == "Alice lives in Berlin."
    assert store.get(first.id, "alice", version=1).text == "Alice lives in Paris."
    assert [h.version for h in store.history(first.id, "alice")] == [1, 2]
    assert [h.version for h in store.list("alice")] == [2]


def test_rollback_is_a_new_version_with_the_old_content(store):
    first = store.put(text_cube("v1", priority=1.0), "alice")
    store.update(MemCube(replace(first, priority=5.0), "v2"), "alice")
    back = store.rollback(first.id, "alice", 1)
    assert (back.version, back.parent_version, back.priority) == (3, 2, 1.0)
    assert store.get(first.id, "alice").text == "v1"
    assert back.content_hash == first.content_hash


def test_update_from_a_stale_version_is_refused(store):
    first = store.put(text_cube("v1"), "alice")
    store.update(MemCube(first, "v2 by one writer"), "alice")
    with pytest.raises(VersionConflictError, match="based on version 1, but version 2 is current"):
        store.update(MemCube(first, "v2 by another writer"), "alice")
    forced = store.update(MemCube(first, "forced"), "alice", force=True)
    assert forced.version == 3


def test_update_cannot_change_identity(store):
    first = store.put(text_cube("v1"), "alice")
    moved = MemCube(replace(first, namespace="elsewhere"), "v2")
    with pytest.raises(ValueError, match="cannot change namespace"):
        store.update(moved, "alice")


def test_frozen_cube_refuses_updates_and_rollbacks(store):
    first = store.put(text_cube("v1"), "alice")
    store.update(MemCube(first, "v2"), "alice")
    frozen = store.transition(first.id, "alice", Lifecycle.FROZEN)
    with pytest.raises(FrozenCubeError, match="is frozen"):
        store.update(MemCube(frozen, "v3"), "alice")
    with pytest.raises(FrozenCubeError):
        store.rollback(first.id, "alice", 1)
    store.transition(first.id, "alice", Lifecycle.ACTIVATED)
    assert store.rollback(first.id, "alice", 1).version == 3


def test_transition_changes_state_without_a_new_version(store):
    first = store.put(text_cube("v1"), "alice")
    moved = store.transition(first.id, "alice", "activated")
    assert (moved.state, moved.version) == (Lifecycle.ACTIVATED, 1)
    assert store.header(first.id, "alice").state is Lifecycle.ACTIVATED
    with pytest.raises(ValueError, match="activated -> generated"):
        store.transition(first.id, "alice", "generated")


def test_put_twice_and_unknown_ids_are_clear_errors(store):
    first = store.put(text_cube("v1"), "alice")
    with pytest.raises(CubeExistsError, match=first.id):
        store.put(text_cube("again", id=first.id), "alice")
    with pytest.raises(CubeNotFoundError, match="no cube nope"):
        store.get("nope", "alice")
    with pytest.raises(CubeNotFoundError, match="version 7"):
        store.get(first.id, "alice", version=7)


def test_get_counts_accesses(store, clock):
    first = store.put(text_cube("v1"), "alice")
    clock.now += 10
    store.get(first.id, "alice")
    seen = store.get(first.id, "alice")
    assert seen.header.access_count == 2
    assert store.header(first.id, "alice").access_count == 2
    assert store.header(first.id, "alice").last_access == clock.now
    store.get(first.id, "alice", touch=False)
    assert store.header(first.id, "alice").access_count == 2


def test_put_many_is_all_or_nothing(store):
    good = text_cube("fine")
    stolen = text_cube("not mine", owner="bob")
    with pytest.raises(PermissionError):
        store.put_many([good, stolen], "alice")
    assert store.list("alice") == []
    assert len(store.put_many([good, text_cube("also fine")], "alice")) == 2

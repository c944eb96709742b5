from __future__ import annotations

import pytest
from store_helpers import text_cube

from memos_lab.cube import AccessPolicy, MemCube
from memos_lab.store import ADMIN, AccessDeniedError


@pytest.fixture
def mixed(store):
    """Two users' memories in one store, alice's and bob's, in their own namespaces."""
    alice = [store.put(text_cube(f"alice secret {i}"), "alice").id for i in range(5)]
    bob = [store.put(text_cube(f"bob secret {i}", owner="bob", namespace="bob-ns"), "bob").id for i in range(5)]
    return store, alice, bob


def test_listing_is_a_hard_partition(mixed):
    store, alice, bob = mixed
    assert [h.id for h in store.list("alice")] == alice
    assert [h.id for h in store.list("bob")] == bob
    assert store.readable_ids("alice") == set(alice)
    assert store.readable_ids("bob", namespace="alice-ns") == set()
    assert store.list("carol") == []
    assert {h.id for h in store.list(ADMIN)} == set(alice + bob)


def test_reads_and_writes_without_a_right_raise_and_are_audited(mixed):
    store, alice, _ = mixed
    with pytest.raises(PermissionError, match="'bob' may not read cube"):
        store.get(alice[0], "bob")
    with pytest.raises(PermissionError, match="'bob' may not write"):
        store.update(MemCube(store.header(alice[0], "alice"), "bob was here"), "bob")
    with pytest.raises(PermissionError):
        store.history(alice[0], "bob")
    denied = [e for e in store.audit_log(ADMIN) if not e.allowed]
    assert [(e.actor, e.action, e.cube_id) for e in denied] == [
        ("bob", "read", alice[0]),
        ("bob", "update", alice[0]),
        ("bob", "read", alice[0]),
    ]
    assert store.get(alice[0], "alice").text == "alice secret 0"


def test_every_write_is_audited(store):
    header = store.put(text_cube("v1"), "alice")
    store.update(MemCube(header, "v2"), "alice")
    store.transition(header.id, "alice", "activated")
    store.grant("alice", "bob", cube_id=header.id)
    store.revoke("alice", "bob", cube_id=header.id)
    store.rollback(header.id, "alice", 1)
    actions = [e.action for e in store.audit_log("alice")]
    assert actions == ["put", "update", "transition", "grant", "revoke", "rollback"]
    assert store.audit_log("bob") == []


def test_sharing_a_cube_then_revoking_it(mixed):
    store, alice, _ = mixed
    store.grant("alice", "bob", "read", cube_id=alice[1])
    assert store.get(alice[1], "bob").text == "alice secret 1"
    assert store.readable_ids("bob", namespace="alice-ns") == {alice[1]}
    assert store.header(alice[1], "alice").policy == AccessPolicy(readers=("bob",))
    with pytest.raises(PermissionError, match="may not write"):
        store.update(MemCube(store.header(alice[1], "bob"), "edit"), "bob")
    assert store.revoke("alice", "bob", cube_id=alice[1]) == 1
    with pytest.raises(PermissionError):
        store.get(alice[1], "bob")
    assert store.readable_ids("bob", namespace="alice-ns") == set()


def test_sharing_a_namespace_covers_its_cubes_and_later_ones(mixed):
    store, alice, _ = mixed
    store.grant("alice", "bob", "write", namespace="alice-ns")
    later = store.put(text_cube("written later"), "alice")
    assert store.readable_ids("bob", namespace="alice-ns") == {*alice, later.id}
    edited = store.update(MemCube(store.header(alice[0], "bob"), "bob's edit"), "bob")
    assert edited.version == 2
    bobs_own = store.put(text_cube("bob adds to alice-ns", owner="bob"), "bob")
    assert bobs_own.owner == "bob"
    store.revoke("alice", "bob", namespace="alice-ns")
    assert store.readable_ids("bob", namespace="alice-ns") == {bobs_own.id}


def test_a_sharer_may_pass_on_read_but_not_write(mixed):
    store, alice, _ = mixed
    store.grant("alice", "bob", "share", cube_id=alice[2])
    store.grant("bob", "carol", "read", cube_id=alice[2])
    assert store.get(alice[2], "carol").text == "alice secret 2"
    with pytest.raises(PermissionError, match="needs ownership"):
        store.grant("bob", "carol", "write", cube_id=alice[2])
    with pytest.raises(PermissionError, match="needs share"):
        store.grant("carol", "dave", "read", cube_id=alice[2])


def test_put_into_someone_elses_namespace_or_as_someone_else_is_refused(mixed):
    store, _, _ = mixed
    with pytest.raises(PermissionError, match="may not write namespace 'alice-ns'"):
        store.put(text_cube("intruder", owner="bob"), "bob")
    with pytest.raises(PermissionError, match="owned by 'alice'"):
        store.put(text_cube("impersonation", namespace="new-ns"), "bob")


def test_initial_policy_becomes_grants(store):
    header = store.put(text_cube("shared at birth", policy=AccessPolicy(readers=("bob",), writers=("carol",))), "alice")
    assert header.policy == AccessPolicy(readers=("bob",), writers=("carol",))
    assert store.get(header.id, "bob").text == "shared at birth"
    assert store.update(MemCube(store.header(header.id, "carol"), "carol's"), "carol").version == 2


@pytest.mark.parametrize("actor", ["", "@root", None])
def test_bad_actor_names_are_refused(store, actor):
    with pytest.raises(ValueError, match="actor"):
        store.list(actor)


def test_only_the_admin_runs_maintenance(store):
    with pytest.raises(AccessDeniedError, match="only @admin"):
        store.gc("alice")
    assert store.audit_log(ADMIN)[-1].action == "gc"

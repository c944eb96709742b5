"""Catalogue rows edited behind the store's back (with sqlite3, on the real file).

Each corruption must be named by `verify`; a read of the damaged cube must
fail with a StoreError rather than serve another cube's payload; `list` must
still list every other cube (warning about the damaged one).
"""

from __future__ import annotations

import json
import sqlite3
import warnings

import pytest

from memos_lab.cube import MemCube, plaintext_cube
from memos_lab.store import ADMIN, CubeNotFoundError, CubeStore, StoreError
from memos_lab.store.errors import DamagedCubeWarning
from memos_lab.store.store import CATALOGUE_FILE

SECRET = "bob's secret, same length!"


def _json(field, value):
    return f"UPDATE cubes SET header = json_set(header, '$.{field}', {value}) WHERE id = 'a1'"


CORRUPTIONS = {
    "header is not JSON": ["UPDATE cubes SET header = '{not json' WHERE id = 'a1'"],
    "header is a JSON array": ["UPDATE cubes SET header = '[1, 2]' WHERE id = 'a1'"],
    "header fails validation": [_json("kind", "'bogus'")],
    "two current versions": ["UPDATE cubes SET is_current = 1 WHERE id = 'a2'"],
    "no current version": ["UPDATE cubes SET is_current = 0 WHERE id = 'a2'"],
    "header hash points at bob's blob": [_json("content_hash", "(SELECT content_hash FROM cubes WHERE id = 'b1')")],
    "column hash points at bob's blob": [
        "UPDATE cubes SET content_hash = (SELECT content_hash FROM cubes WHERE id = 'b1') WHERE id = 'a1'"
    ],
    "flipped owner byte in the header": [_json("owner", "'alicd'")],
    "owner column changed": ["UPDATE cubes SET owner = 'mallory' WHERE id = 'a1'"],
    "namespace column changed": ["UPDATE cubes SET namespace = 'bob-ns' WHERE id = 'a1'"],
    "kind column changed": ["UPDATE cubes SET kind = 'activation' WHERE id = 'a1'"],
    "header id differs from its row": [_json("id", "'b1'")],
    "both hashes point at another blob": [
        _json("content_hash", "(SELECT content_hash FROM cubes WHERE id = 'a2' AND version = 1)"),
        "UPDATE cubes SET content_hash = json_extract(header, '$.content_hash') WHERE id = 'a1'",
    ],
    "a version inserted with sqlite3": [
        "INSERT INTO cubes SELECT id, 2, namespace, owner, kind, state, 0, content_hash, expires_at,"
        " json_set(header, '$.version', 2, '$.parent_version', 1) FROM cubes WHERE id = 'a1'"
    ],
}
READ_REFUSED = set(CORRUPTIONS) - {"a version inserted with sqlite3"}  # that one is verify's alone to find
# Found from the row alone (so `list` leaves them out, warning); the rest need the blob, the audit or are not listed.
ROW_DAMAGE = READ_REFUSED - {"no current version", "namespace column changed", "both hashes point at another blob"}
DAMAGED = {name: ("a2" if "current" in name else "a1") for name in CORRUPTIONS}


@pytest.fixture
def root(tmp_path):
    root = tmp_path / "store"
    with CubeStore(root) as store:
        store.put(plaintext_cube("alice's own text, length!!", namespace="alice-ns", owner="alice", cube_id="a1"),
                  "alice")  # fmt: skip
        first = store.put(plaintext_cube("alice two", namespace="alice-ns", owner="alice", cube_id="a2"), "alice")
        store.update(MemCube(first, "alice two, later"), "alice")
        store.put(plaintext_cube("alice three", namespace="alice-ns", owner="alice", cube_id="a3"), "alice")
        store.put(plaintext_cube(SECRET, namespace="bob-ns", owner="bob", cube_id="b1"), "bob")
        assert store.verify().ok
    return root


def corrupt(root, statements) -> None:
    with sqlite3.connect(root / CATALOGUE_FILE) as conn:
        for statement in statements:
            conn.execute(statement)


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_verify_names_the_damaged_cube(root, name):
    corrupt(root, CORRUPTIONS[name])
    with CubeStore(root) as store:
        report = store.verify()
    assert not report.ok
    assert DAMAGED[name] in {d.cube_id for d in report.damaged}, report.lines()
    assert {d.cube_id for d in report.damaged} <= {"a1", "a2"}


@pytest.mark.parametrize("name", sorted(READ_REFUSED))
def test_a_damaged_row_is_never_served(root, name):
    corrupt(root, CORRUPTIONS[name])
    with CubeStore(root) as store:
        for actor in ("alice", ADMIN):
            with pytest.raises((StoreError, CubeNotFoundError)) as raised:
                store.get(DAMAGED[name], actor)
            assert SECRET not in str(raised.value)
        assert store.get("b1", "bob").text == SECRET  # the other cubes are untouched


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_one_bad_row_does_not_hide_the_others(root, name):
    corrupt(root, CORRUPTIONS[name])
    with CubeStore(root) as store, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        listed = {h.id for h in store.list("alice", namespace="alice-ns")}
    assert "a3" in listed and {"a1", "a2"} - {DAMAGED[name]} <= listed
    if name in ROW_DAMAGE:
        assert DAMAGED[name] not in listed
        assert any(issubclass(w.category, DamagedCubeWarning) and DAMAGED[name] in str(w.message) for w in caught)


def test_the_damage_is_named_in_the_row_error(root):
    corrupt(root, CORRUPTIONS["header hash points at bob's blob"])
    with CubeStore(root) as store, pytest.raises(StoreError) as raised:
        store.get("a1", "alice")
    message = str(raised.value)
    assert "a1" in message and str(root / CATALOGUE_FILE) in message and "content_hash" in message
    assert json.dumps(SECRET) not in message

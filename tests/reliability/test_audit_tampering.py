"""The audit log edited with sqlite3: SQL edits are refused, edits around the triggers are found by verify."""

from __future__ import annotations

import sqlite3

import pytest

from memos_lab.cube import MemCube, plaintext_cube
from memos_lab.store import ADMIN, CubeStore
from memos_lab.store.audit import row_hash
from memos_lab.store.store import CATALOGUE_FILE

UNLOCK = ["DROP TRIGGER audit_no_update", "DROP TRIGGER audit_no_delete"]
_FIELDS = "seq, ts, actor, action, cube_id, namespace, version, allowed, detail"


def rechain(conn: sqlite3.Connection) -> None:
    """What a careful forger does after an edit: recompute every hash and the head."""
    prev = "0" * 64
    for fields in conn.execute(f"SELECT {_FIELDS} FROM audit ORDER BY seq").fetchall():
        digest = row_hash(prev, fields)
        conn.execute("UPDATE audit SET prev = ?, hash = ? WHERE seq = ?", (prev, digest, fields[0]))
        prev = digest
    conn.execute("UPDATE audit_head SET seq = (SELECT max(seq) FROM audit), hash = ?", (prev,))


TAMPERING = {
    "a row's detail edited": UNLOCK + ["UPDATE audit SET detail = 'nothing happened' WHERE seq = 3"],
    "a row's actor changed": UNLOCK + ["UPDATE audit SET actor = 'carol' WHERE action = 'update'"],
    "a refusal turned into a success": UNLOCK + ["UPDATE audit SET allowed = 1 WHERE allowed = 0"],
    "a middle row deleted": UNLOCK + ["DELETE FROM audit WHERE seq = 3"],
    "the newest rows deleted": UNLOCK + ["DELETE FROM audit WHERE seq > (SELECT max(seq) - 2 FROM audit)"],
    "the write record of a cube deleted, chain redone": UNLOCK
    + ["DELETE FROM audit WHERE action = 'put' AND cube_id = 'b1'", rechain],
    "a row forged at the end": UNLOCK
    + ["INSERT INTO audit (ts, actor, action, allowed, detail, prev, hash) VALUES (1, 'bob', 'read', 1, '', '', '')"],
    "rows renumbered": UNLOCK + ["UPDATE audit SET seq = seq + 1000 WHERE seq > 4"],
    "the append-only triggers dropped": UNLOCK,
    "a read record rewritten, chain and head redone": UNLOCK
    + ["UPDATE audit SET actor = 'alice' WHERE actor = 'bob' AND action = 'read'", rechain],
}


@pytest.fixture
def root(tmp_path):
    root = tmp_path / "store"
    with CubeStore(root) as store:
        first = store.put(plaintext_cube("a", namespace="alice-ns", owner="alice", cube_id="a1"), "alice")
        store.update(MemCube(first, "a, later"), "alice")
        store.put(plaintext_cube("b", namespace="bob-ns", owner="bob", cube_id="b1"), "bob")
        store.get("b1", "bob")
        with pytest.raises(PermissionError):
            store.get("a1", "bob")
        store.list("alice")
        report = store.verify()
        assert report.ok, report.lines()
    return root, report.audit_head


def test_sql_edits_of_the_audit_log_are_refused(root):
    with sqlite3.connect(root[0] / CATALOGUE_FILE) as conn:
        for statement in ("UPDATE audit SET detail = 'x'", "DELETE FROM audit WHERE seq = 1"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                conn.execute(statement)


@pytest.mark.parametrize("name", TAMPERING)
def test_verify_finds_the_tampering(root, name):
    path, anchor = root
    with sqlite3.connect(path / CATALOGUE_FILE) as conn:
        for step in TAMPERING[name]:
            step(conn) if callable(step) else conn.execute(step)
    with CubeStore(path) as store:
        report = store.verify(ADMIN, anchor=anchor)
    assert not report.ok
    assert report.audit_problems or report.damaged


def test_reads_lists_exports_and_refusals_are_recorded(tmp_path):
    from memos_lab.store import export_bundle

    with CubeStore(tmp_path / "s") as store:
        store.put(plaintext_cube("a", namespace="alice-ns", owner="alice", cube_id="a1"), "alice")
        store.get("a1", "alice", touch=False)
        store.header("a1", "alice")
        store.history("a1", "alice")
        store.list("alice")
        store.readable_ids("alice")
        export_bundle(store, tmp_path / "a.bundle", "alice")
        with pytest.raises(PermissionError):
            store.get("a1", "bob")
        actions = [(e.actor, e.action, e.allowed) for e in store.audit_log(ADMIN)]
    assert actions == [("alice", "put", True), ("alice", "read", True), ("alice", "read", True),
                       ("alice", "history", True), ("alice", "list", True), ("alice", "list", True),
                       ("alice", "export", True), ("bob", "read", False)]  # fmt: skip


def test_read_auditing_can_be_turned_off_for_benchmarks(tmp_path):
    with CubeStore(tmp_path / "s", audit_reads=False) as store:
        store.put(plaintext_cube("a", namespace="alice-ns", owner="alice", cube_id="a1"), "alice")
        store.get("a1", "alice")
        store.list("alice")
        assert [e.action for e in store.audit_log(ADMIN)] == ["put"]

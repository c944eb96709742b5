"""The catalogue's transaction and durability settings, on real SQLite files."""

from __future__ import annotations

import sqlite3

import pytest
from store_helpers import text_cube

from memos_lab.store import ADMIN, CatalogueError, CubeStore
from memos_lab.store.catalogue import Catalogue
from memos_lab.store.store import CATALOGUE_FILE


def test_a_failed_commit_rolls_back_and_leaves_no_open_transaction(tmp_path):
    catalogue = Catalogue(tmp_path / "c.sqlite")
    with catalogue.transaction() as conn:
        conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        conn.execute("CREATE TABLE child (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)")
    catalogue.conn.execute("PRAGMA foreign_keys = ON")
    with pytest.raises(CatalogueError, match="FOREIGN KEY"):
        with catalogue.transaction() as conn:
            conn.execute("INSERT INTO child (p) VALUES (42)")  # checked only at COMMIT
    assert not catalogue.conn.in_transaction
    assert catalogue.execute("SELECT count(*) FROM child") == [(0,)]
    with catalogue.transaction() as conn:  # the connection is usable again
        conn.execute("INSERT INTO parent (id) VALUES (1)")
    catalogue.close()


@pytest.mark.parametrize(("option", "pragma"), [(None, 2), ("FULL", 2), ("NORMAL", 1)])
def test_synchronous_is_full_unless_asked(tmp_path, option, pragma):
    kwargs = {} if option is None else {"synchronous": option}
    with CubeStore(tmp_path / "s", **kwargs) as store:
        assert store.catalogue.execute("PRAGMA synchronous") == [(pragma,)]
        assert store.catalogue.execute("PRAGMA journal_mode") == [("wal",)]


def test_an_unknown_synchronous_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="synchronous"):
        CubeStore(tmp_path / "s", synchronous="OFF")


def test_a_version_2_store_is_upgraded_with_its_audit_log_chained(tmp_path):
    root = tmp_path / "s"
    with CubeStore(root) as store:
        store.put(text_cube("kept"), "alice")
    with sqlite3.connect(root / CATALOGUE_FILE) as conn:  # back to the version-2 layout
        for statement in ("DROP TRIGGER audit_no_update", "DROP TRIGGER audit_no_delete", "DROP TABLE audit_head",
                          "ALTER TABLE audit DROP COLUMN prev", "ALTER TABLE audit DROP COLUMN hash",
                          "PRAGMA user_version = 2"):  # fmt: skip
            conn.execute(statement)
    with CubeStore(root) as store:
        assert [h.owner for h in store.list(ADMIN)] == ["alice"]
        report = store.verify()
        assert report.ok, report.lines()
        assert report.audit_head[0] >= 1

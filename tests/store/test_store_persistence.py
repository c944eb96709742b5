from __future__ import annotations

import json

import pytest
import torch
from store_helpers import tensor_cube, text_cube

from memos_lab.cube import Lifecycle, MemCube
from memos_lab.store import ADMIN, CatalogueError, CubeStore


def test_tensor_payloads_are_safetensors_not_pickle(store):
    header = store.put(tensor_cube(), "alice")
    raw = store.blobs.path(header.content_hash).read_bytes()
    assert not raw.startswith(b"\x80")  # no pickle protocol marker
    assert json.loads(raw[8 : 8 + int.from_bytes(raw[:8], "little")])["layer0.key"]["dtype"] == "F32"
    loaded = store.get(header.id, "alice").payload
    assert torch.equal(loaded["layer0.key"], torch.arange(12, dtype=torch.float32).reshape(3, 4))


def test_the_store_reopens_with_everything(tmp_path):
    with CubeStore(tmp_path) as first:
        header = first.put(text_cube("durable"), "alice")
        first.update(MemCube(header, "durable v2"), "alice")
    with CubeStore(tmp_path) as again:
        assert again.get(header.id, "alice").text == "durable v2"
        assert len(again.history(header.id, "alice")) == 2


def test_ttl_expiry_hides_then_marks_then_purges(store, clock):
    short = store.put(text_cube("short-lived", ttl_s=60.0), "alice")
    kept = store.put(text_cube("kept"), "alice")
    clock.now += 61
    assert [h.id for h in store.list("alice")] == [kept.id]
    assert store.readable_ids("alice") == {kept.id}
    assert store.expire("alice") == [short.id]
    assert store.header(short.id, "alice").state is Lifecycle.EXPIRED
    assert [h.id for h in store.list("alice", include_expired=True)] == [short.id, kept.id]
    report = store.gc(ADMIN, purge_expired=True)
    assert report.purged_cubes == [short.id]
    assert report.removed_blobs == 1
    assert store.verify().ok
    assert [h.id for h in store.list(ADMIN, include_expired=True)] == [kept.id]


def test_frozen_cubes_do_not_expire(store, clock):
    header = store.put(text_cube("keep me", ttl_s=1.0), "alice")
    store.transition(header.id, "alice", Lifecycle.FROZEN)
    clock.now += 10
    assert store.expire(ADMIN) == []


def test_gc_removes_orphans_and_temp_files_only(store):
    header = store.put(text_cube("referenced"), "alice")
    orphan = store.blobs.put(b"nobody points at me")
    temp = store.blobs.path(orphan).with_name("leftover.123.tmp")
    temp.write_bytes(b"half a write")
    report = store.gc()
    assert (report.removed_blobs, report.removed_temp_files) == (1, 1)
    assert report.freed_bytes == len(b"nobody points at me")
    assert not temp.exists()
    assert store.get(header.id, "alice").text == "referenced"


def test_old_versions_keep_their_blobs_through_gc(store):
    header = store.put(text_cube("v1"), "alice")
    store.update(MemCube(header, "v2"), "alice")
    assert store.gc().removed_blobs == 0
    assert store.get(header.id, "alice", version=1).text == "v1"


def test_verify_lists_every_damaged_cube(store):
    good = store.put(text_cube("good"), "alice")
    bad = store.put(text_cube("will be damaged"), "alice")
    gone = store.put(text_cube("will go missing"), "alice")
    store.blobs.path(bad.content_hash).write_bytes(b"will be damag3d")
    store.blobs.path(gone.content_hash).unlink()
    report = store.verify()
    assert not report.ok
    assert sorted(d.cube_id for d in report.damaged) == sorted([bad.id, gone.id])
    assert any("missing" in line for line in report.lines())
    assert store.get(good.id, "alice").text == "good"


def test_a_store_of_another_schema_is_refused(tmp_path):
    import sqlite3

    conn = sqlite3.connect(tmp_path / "catalogue.sqlite")
    conn.execute("CREATE TABLE cubes (id TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(CatalogueError, match="schema version 0"):
        CubeStore(tmp_path)

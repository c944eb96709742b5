"""Two processes writing and updating one namespace: no lost update, no duplicate version."""

from __future__ import annotations

from reliability_helpers import start_writer

from memos_lab.store import ADMIN, CubeStore

N = 25


def test_two_writers_lose_no_update(tmp_path):
    root = tmp_path / "store"
    with CubeStore(root) as store:  # create the schema once, before the race
        store.list(ADMIN)
    writers = [start_writer("count", root, name, N) for name in ("left", "right")]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    with CubeStore(root) as store:
        counter = store.history("counter", ADMIN)
        versions = [h.version for h in counter]
        assert versions == list(range(1, 2 * N + 2))  # every increment is its own version, none twice
        assert store.get("counter", ADMIN).text == str(2 * N)  # no increment was lost
        names = {h.id for h in store.list(ADMIN, namespace="alice")}
        assert names == {"counter"} | {f"{side}-{i}" for side in ("left", "right") for i in range(N)}
        writes = [e for e in store.audit_log(ADMIN, cube_id="counter") if e.action in ("put", "update")]
        assert len(writes) == 2 * N + 1
        assert store.verify().ok

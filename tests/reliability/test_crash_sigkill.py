"""A writer killed with SIGKILL at random points loses nothing it had committed."""

from __future__ import annotations

import random
import signal
import time

from reliability_helpers import start_writer

from memos_lab.store import ADMIN, CubeStore

KILLS = 20


def acknowledged(acks) -> dict[str, int]:
    if not acks.exists():
        return {}
    lines = [line.split() for line in acks.read_text().splitlines() if line.strip()]
    return {cube_id: int(version) for cube_id, version in lines}


def kill_at_random(root, acks, start: int, rng: random.Random) -> None:
    writer = start_writer("crash", root, acks, start)
    assert writer.stdout.readline().strip() == "ready", writer.stderr.read()
    time.sleep(rng.uniform(0.0, 0.25))
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert writer.returncode == -signal.SIGKILL, writer.stderr.read()


def check_store(root, acks) -> int:
    committed = acknowledged(acks)
    with CubeStore(root) as store:
        report = store.verify()
        assert report.ok, report.lines()
        present = {h.id: h for h in store.list(ADMIN)}
        for cube_id in committed:
            assert store.get(cube_id, ADMIN, touch=False).text == f"write {cube_id[1:]}"
        counter = store.history("counter", ADMIN)
        assert [h.version for h in counter] == list(range(1, len(counter) + 1))
        assert max(committed.values(), default=1) <= counter[-1].version
        assert int(store.get("counter", ADMIN, touch=False).text) == counter[-1].version - 1
    return len([cube_id for cube_id in present if cube_id.startswith("w")])


def test_sigkill_at_random_points_loses_no_committed_write(tmp_path):
    rng = random.Random(20260611)
    root, acks = tmp_path / "store", tmp_path / "acks.log"
    start = 0
    for _ in range(KILLS):
        kill_at_random(root, acks, start, rng)
        stored = check_store(root, acks)
        start += 100_000  # fresh ids each round; earlier rounds' cubes must all survive
    assert stored >= len(acknowledged(acks)) > 0

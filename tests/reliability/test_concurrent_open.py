"""Many processes opening the same fresh store at once, round after round: no open fails."""

from __future__ import annotations

import multiprocessing as mp
import traceback

import pytest

from memos_lab.cube import plaintext_cube
from memos_lab.store import ADMIN, CubeStore

PROCESSES = 8


def _opener(index: int, base: str, rounds: int, barrier, errors) -> None:
    for round_ in range(rounds):
        barrier.wait()  # every process opens this round's fresh store together
        try:
            with CubeStore(f"{base}/round-{round_}") as store:
                store.put(plaintext_cube(f"from {index}", namespace=f"ns-{index}", owner=f"p{index}"), f"p{index}")
        except Exception:  # every failure is counted, none may happen
            errors.put(f"round {round_} process {index}: {traceback.format_exc(limit=3)}")


@pytest.mark.parametrize("rounds", [15, pytest.param(60, marks=pytest.mark.slow)])
def test_concurrent_first_opens_never_fail(tmp_path, rounds):
    ctx = mp.get_context("spawn")
    barrier, errors = ctx.Barrier(PROCESSES), ctx.Queue()
    args = [(i, str(tmp_path), rounds, barrier, errors) for i in range(PROCESSES)]
    workers = [ctx.Process(target=_opener, args=a) for a in args]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=600)
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert [w.exitcode for w in workers] == [0] * PROCESSES
    assert failures == [], f"{len(failures)} of {PROCESSES * rounds} opens failed:\n{failures[0]}"
    for round_ in (0, rounds - 1):
        with CubeStore(tmp_path / f"round-{round_}") as store:
            assert len(store.list(ADMIN)) == PROCESSES
            assert store.verify().ok

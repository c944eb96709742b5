"""Store benchmarks at 1k cubes (pytest-benchmark; disabled runs each body once).

Run them with `pytest tests/bench --benchmark-enable`. The 100k figures come
from `python scripts/bench_store.py --out FILE.json`.
"""

from __future__ import annotations

import itertools

import pytest

from memos_lab.cube import MemCube
from memos_lab.store import ADMIN, CubeStore
from memos_lab.store.workload import fill, share, synthetic_cube

N = 1000
_fresh = itertools.count(10 * N)


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    with CubeStore(tmp_path_factory.mktemp("bench")) as store:
        ids = fill(store, N)
        share(store)
        yield store, ids


def test_insert_batch_of_100(benchmark, filled):
    store, _ = filled

    def insert() -> None:
        start = next(_fresh) * 1000
        store.put_many([synthetic_cube(i, "alice", " (bench)") for i in range(start, start + 200, 2)], "alice")

    benchmark(insert)


def test_put_single(benchmark, filled):
    store, _ = filled
    benchmark(lambda: store.put(synthetic_cube(next(_fresh), "alice", " (single)"), "alice"))


def test_get(benchmark, filled):
    store, ids = filled
    benchmark(store.get, ids[0], "alice")


def test_update(benchmark, filled):
    store, ids = filled

    def update() -> None:
        current = store.get(ids[2], "alice", touch=False)
        store.update(MemCube(current.header, current.text + "."), "alice")

    benchmark(update)


@pytest.mark.parametrize("actor", ["alice", ADMIN], ids=["with_access_checks", "without_access_checks"])
def test_list_namespace(benchmark, filled, actor):
    store, _ = filled
    headers = benchmark(store.list, actor, namespace="alice-ns")
    assert headers and all(h.namespace == "alice-ns" for h in headers)


@pytest.mark.parametrize("actor", ["alice", ADMIN], ids=["with_access_checks", "without_access_checks"])
def test_readable_ids(benchmark, filled, actor):
    store, _ = filled
    assert benchmark(store.readable_ids, actor, namespace="alice-ns")

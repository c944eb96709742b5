"""Cube store throughput and access-check cost at 1k and 100k cubes.

    python scripts/bench_store.py --out results/bench/store.json [--sizes 1000 100000] [--dir /tmp]

For each size: batch insert, single put, get (counted and uncounted), update
(cubes/s); catalogue bytes per cube; and list / readable_ids with access checks
(an ordinary actor) against without (the administrator), in the same run. The
JSON records the machine, the date, the command and the git commit. Writing
into results/ needs a clean git tree (or --allow-dirty, which marks the file
"dirty" with a "warning").
"""

from __future__ import annotations

import argparse
import json
import random
import shlex
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from evals.environment import DirtyTreeError, dirty_marks, environment_record  # noqa: E402
from memos_lab.atomic import write_json  # noqa: E402
from memos_lab.cube import MemCube  # noqa: E402
from memos_lab.store import ADMIN, CubeStore  # noqa: E402
from memos_lab.store.store import CATALOGUE_FILE  # noqa: E402
from memos_lab.store.workload import fill, share, synthetic_cube  # noqa: E402

OPS = 200  # single puts and updates per size (each fsyncs)
GETS = 2000


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1)


def timed(fn: Callable[[], object], repeats: int = 3) -> float:
    """Median wall seconds of `repeats` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_size(n: int, root: Path) -> dict[str, object]:
    rng = random.Random(n)
    with CubeStore(root) as store:
        start = time.perf_counter()
        ids = fill(store, n)
        insert_batch = rate(n, time.perf_counter() - start)
        share(store)
        result: dict[str, object] = {"cubes": n, "insert_batch_cubes_per_s": insert_batch}
        result.update(single_ops(store, ids, rng))
        result.update(access_cost(store))
        store.catalogue.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = sum(p.stat().st_size for p in root.glob(f"{CATALOGUE_FILE}*"))
        result["catalogue_bytes_per_cube"] = round(size / (n + OPS), 1)
    return result


def single_ops(store: CubeStore, ids: list[str], rng: random.Random) -> dict[str, float]:
    fresh = [synthetic_cube(i, "alice", tag=" (single)") for i in range(0, 2 * OPS, 2)]
    start = time.perf_counter()
    for cube in fresh:
        store.put(cube, "alice")
    put = rate(len(fresh), time.perf_counter() - start)
    sample = [rng.choice(ids) for _ in range(GETS)]
    owner = {cube_id: store.header(cube_id, ADMIN).owner for cube_id in set(sample)}
    get = rate(GETS, timed(lambda: [store.get(i, owner[i]) for i in sample], repeats=1))
    get_untouched = rate(GETS, timed(lambda: [store.get(i, owner[i], touch=False) for i in sample], repeats=1))
    targets = [c.id for c in fresh]
    start = time.perf_counter()
    for cube_id in targets:
        current = store.get(cube_id, "alice", touch=False)
        store.update(MemCube(current.header, current.text + " Updated."), "alice")
    update = rate(len(targets), time.perf_counter() - start)
    return {
        "put_cubes_per_s": put,
        "get_cubes_per_s": get,
        "get_untouched_cubes_per_s": get_untouched,
        "update_cubes_per_s": update,
    }


def access_cost(store: CubeStore) -> dict[str, float]:
    """The same queries, returning the same cubes, as their owner (access checks) and as the administrator (none)."""
    ns = "alice-ns"
    found = {
        "list_ns_with_checks_s": timed(lambda: store.list("alice", namespace=ns)),
        "list_ns_without_checks_s": timed(lambda: store.list(ADMIN, namespace=ns)),
        "list_ns_via_namespace_grant_s": timed(lambda: store.list("carol", namespace=ns)),
        "readable_ids_ns_with_checks_s": timed(lambda: store.readable_ids("alice", namespace=ns)),
        "readable_ids_ns_without_checks_s": timed(lambda: store.readable_ids(ADMIN, namespace=ns)),
        "readable_ids_all_with_checks_s": timed(lambda: store.readable_ids("alice")),
        "readable_ids_all_without_checks_s": timed(lambda: store.readable_ids(ADMIN)),
    }
    assert len(store.list("alice", namespace=ns)) == len(store.list(ADMIN, namespace=ns))
    return {k: round(v, 5) for k, v in found.items()} | {"ns_cubes": len(store.readable_ids("alice", namespace=ns))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="JSON file to write")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--dir", default=None, help="where to build the temporary stores (default: system temp)")
    parser.add_argument("--allow-dirty", action="store_true",
                        help="write into results/ from a dirty git tree (the file is marked dirty)")
    args = parser.parse_args(argv)
    argv = sys.argv[1:] if argv is None else list(argv)
    record = environment_record(REPO, shlex.join(["python", "scripts/bench_store.py", *argv]))
    record["sqlite"] = sqlite3.sqlite_version
    try:
        marks = dirty_marks(record, args.out, REPO, args.allow_dirty)
    except DirtyTreeError as exc:
        sys.exit(f"bench_store: {exc}")
    report = {**marks, "environment": record, "results": []}
    for n in args.sizes:
        with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
            result = bench_size(n, Path(tmp) / "store")
        print(json.dumps(result), flush=True)
        report["results"].append(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_json(args.out, report)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

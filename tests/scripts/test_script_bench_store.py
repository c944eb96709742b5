"""scripts/bench_store.py at a tiny size: strict JSON with the shared environment record."""

from __future__ import annotations

from script_loader import load_script, strict_json


def test_a_small_run_writes_the_environment_and_results(tmp_path):
    bench = load_script("bench_store")
    out = tmp_path / "store.json"
    bench.main(["--out", str(out), "--sizes", "20", "--dir", str(tmp_path)])
    report = strict_json(out)
    assert report["environment"]["command"] == f"python scripts/bench_store.py --out {out} --sizes 20 --dir {tmp_path}"
    assert report["environment"]["git"]["commit"] and report["environment"]["sqlite"]
    assert [r["cubes"] for r in report["results"]] == [20]

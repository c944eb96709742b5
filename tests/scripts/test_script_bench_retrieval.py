"""scripts/bench_retrieval.py at a tiny size: both index parts pair ours with raw faiss; a restart encodes nothing."""

from __future__ import annotations

from script_loader import load_script, strict_json


def test_a_small_run_compares_like_with_like(tmp_path):
    bench = load_script("bench_retrieval")
    out = tmp_path / "bench.json"
    argv = ["--out", str(out), "--sizes", "3000", "--kinds", "flat", "ivf", "--queries", "5"]
    bench.main([*argv, "--ingest", "40", "--repeats", "1"])
    report = strict_json(out)
    assert report["made"]["command"].startswith("python scripts/bench_retrieval.py --out")
    assert [(r["n"], r["index"]) for r in report["index"]] == [(3000, "flat"), (3000, "ivf")]
    assert all(r["search_p50_ms"] > 0 and r["raw_p50_ms"] > 0 for r in report["index"])
    ingest = report["ingest"]
    assert ingest["cache_dir_first_encoded"] == 40 and ingest["restart_encoded"] == 0


def test_the_table_embedder_answers_a_query_from_its_table():
    import numpy as np

    bench = load_script("bench_retrieval")
    vectors = bench.unit(np.random.default_rng(0), 3)
    embedder = bench.TableEmbedder(vectors, {"q0 w1": vectors[2:3]})
    assert np.array_equal(embedder.encode(["q0 w1"]), vectors[2:3])
    assert np.array_equal(embedder.encode(["m1 w5", "m0 w2"]), vectors[[1, 0]])

"""scripts/bench_kv.py: no silent switch to synthetic memory; strict JSON with the shared environment record."""

from __future__ import annotations

import pytest
from script_loader import load_script, strict_json


@pytest.fixture(scope="module")
def bench():
    return load_script("bench_kv")


def test_a_missing_dataset_stops_the_benchmark(bench, tmp_path, monkeypatch):
    monkeypatch.setenv("MEMOS_LAB_LOCOMO", str(tmp_path / "no-locomo-here"))
    monkeypatch.setattr(bench, "HFCausalLM", lambda *a, **k: pytest.fail("loaded a model before failing"))
    with pytest.raises(SystemExit, match="LoCoMo data not found.*--synthetic"):
        bench.main(["--out", str(tmp_path / "kv.json")])
    assert not (tmp_path / "kv.json").exists()


def test_synthetic_lines_only_when_asked_and_recorded(bench, tmp_path, monkeypatch):
    import torch

    monkeypatch.setenv("MEMOS_LAB_LOCOMO", str(tmp_path / "no-locomo-here"))
    out = tmp_path / "kv.json"
    threads = torch.get_num_threads()
    try:
        bench.main(["--out", str(out), "--lengths", "64", "--repeats", "1", "--max-new-tokens", "2",
                    "--threads", "1", "--synthetic"])  # fmt: skip
    finally:
        torch.set_num_threads(threads)
    report = strict_json(out)
    assert report["settings"]["memory"] == "synthetic lines (--synthetic)"
    assert report["environment"]["command"].startswith("python scripts/bench_kv.py --out")
    assert report["environment"]["model"]["weights_sha256"] and len(report["results"]) == 1

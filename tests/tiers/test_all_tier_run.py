"""`python run.py tier=all` end to end: adapter + resident KV prefix + uncovered plaintext, accounted per tier."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TINY = ["tier.parameter.distil.steps=5", "tier.parameter.distil.warmup_steps=0", "tier.parameter.distil.rank=4",
        "tier.parameter.distil.batch_size=4", "tier.parameter.progress=false"]


def _records(tmp_path, *overrides) -> tuple[list[dict], dict]:
    run_dir = tmp_path / "run"
    args = ["tier=all", "policy=lru", "budget.kv_tokens=128", "dataset.max_questions=2", "compare_with=[]",
            "logger=none", "torch_threads=1", "migration=[promote_hot,demote_cold]", *TINY, *overrides,
            f"hydra.run.dir={run_dir}"]
    result = subprocess.run([sys.executable, str(REPO / "run.py"), *args], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    records = [json.loads(line) for line in (run_dir / "records.jsonl").read_text().splitlines()]
    return records, json.loads((run_dir / "metrics.json").read_text())


def _accounted(record: dict) -> None:
    assert set(record["served_by"]) == set(record["retrieved_ids"])
    assert set(record["retrieved_extra"]) == {i for i, tier in record["served_by"].items() if tier == "plaintext"}
    assert set(record["tier_bytes"]) == {"activation", "parameter"}


@pytest.mark.slow
def test_tier_all_serves_from_the_kv_prefix_and_text_and_accounts_per_tier(tmp_path):
    records, metrics = _records(tmp_path)  # no adapter until distil_stable makes one
    for record in records:
        _accounted(record)
        assert record["adapter"] is None
    # residency is decided at scheduler ticks: the first question comes before any prefix is resident
    assert any(r["kv_tokens"] > 0 and r["tier_bytes"]["activation"] > 0 for r in records)
    assert metrics["bytes_stored"]["activation"] > 0


@pytest.mark.slow
def test_an_adapter_covering_every_memory_serves_them_all(tmp_path):
    records, metrics = _records(tmp_path, "tier.distil_on_commit=true")
    for record in records:
        _accounted(record)
        assert record["adapter"] and record["adapter_bytes"] > 0 and record["retrieved_extra"] == []
        assert set(record["served_by"].values()) == {"parameter"}  # covered by the adapter: neither KV nor text
    assert metrics["bytes_stored"]["parameter"] > 0


@pytest.mark.slow
def test_kv_concat_serves_the_uncovered_retrieved_lines_as_pieces(tmp_path):
    records, metrics = _records(tmp_path, "fusion=kv_concat")
    extras = [r for r in records if r["retrieved_extra"]]
    assert extras and all(r["concat_pieces"] == len(r["retrieved_extra"]) for r in extras)
    assert all(r["reused_tokens"] >= r["kv_tokens"] - 2 for r in extras)  # the lines came from KV, not text
    assert metrics["fusion"]["operators"] == ["fuse.kv_concat"] and metrics["fusion"]["kv_pieces"] > 0
    assert metrics["bytes_stored"]["activation"] > 0

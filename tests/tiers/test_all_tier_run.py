"""`python run.py tier=all` end to end: adapter + resident KV prefix + uncovered plaintext, accounted per tier."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TINY = ["tier.distil_on_commit=true", "tier.parameter.distil.steps=5", "tier.parameter.distil.warmup_steps=0",
        "tier.parameter.distil.rank=4", "tier.parameter.distil.batch_size=4", "tier.parameter.progress=false"]


@pytest.mark.slow
def test_tier_all_records_per_tier_accounting(tmp_path):
    run_dir = tmp_path / "run"
    args = ["tier=all", "policy=lru", "budget.kv_tokens=128", "dataset.max_questions=2", "compare_with=[]",
            "logger=none", "torch_threads=1", "migration=[promote_hot,demote_cold]", *TINY, f"hydra.run.dir={run_dir}"]
    result = subprocess.run([sys.executable, str(REPO / "run.py"), *args], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    records = [json.loads(line) for line in (run_dir / "records.jsonl").read_text().splitlines()]
    for record in records:
        assert record["adapter"] and record["adapter_bytes"] > 0 and record["kv_tokens"] > 0
        assert set(record["served_by"]) == set(record["retrieved_ids"])
        assert set(record["retrieved_extra"]) <= set(record["retrieved_ids"])
        assert set(record["tier_bytes"]) == {"activation", "parameter"}
    stored = json.loads((run_dir / "metrics.json").read_text())["bytes_stored"]
    assert stored["parameter"] > 0 and stored["activation"] > 0

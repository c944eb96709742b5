"""A rerun of the same config gives byte-identical records and metrics, timings and cube ids aside."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evals.determinism import run_differences, without_timings

REPO = Path(__file__).resolve().parents[2]
RUN = ["dataset.question_sample=2", "logger=none", "compare_with=[]", "torch_threads=1"]  # MemOS, plaintext tier


def _run(tmp_path: Path, name: str) -> Path:
    run_dir = tmp_path / name
    result = subprocess.run([sys.executable, str(REPO / "run.py"), *RUN, f"hydra.run.dir={run_dir}"], cwd=tmp_path,
                            capture_output=True, text=True, env={**os.environ, "WANDB_SILENT": "true"})  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return run_dir


def test_timings_and_cube_ids_are_left_out_at_any_depth():
    record = {"f1": 0.5, "answer_ms": 3.0, "latency_ms": {"answer": {"p50": 1}}, "retrieved_ids": ["x"],
              "scheduling": {"scheduler_s": 0.1, "hits": 2}}  # fmt: skip
    assert without_timings(record) == {"f1": 0.5, "scheduling": {"hits": 2}}


@pytest.mark.slow
def test_a_rerun_gives_identical_records_and_metrics(tmp_path):
    first, second = _run(tmp_path, "first"), _run(tmp_path, "second")
    assert run_differences(first, second) == []
    env = json.loads((first / "environment.json").read_text())
    assert len(env["dataset"]["sha256"]) == 64 and env["scoring_version"] is not None

    changed = tmp_path / "changed"  # the comparison can fail: one prediction changed
    shutil.copytree(second, changed)
    lines = (changed / "records.jsonl").read_text().splitlines()
    lines[1] = json.dumps(json.loads(lines[1]) | {"prediction": "something else"})
    (changed / "records.jsonl").write_text("\n".join(lines) + "\n")
    assert [d.split(":")[0] for d in run_differences(first, changed)] == ["records.jsonl line 2"]

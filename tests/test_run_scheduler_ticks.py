"""A real tiny scheduled run with logger=wandb: the tick series in the run dir and the offline W&B run,
and the run's trade-off plot made from its directory."""

import json
import subprocess
import sys

import pytest
from test_run_smoke import ENV, REPO, _run

from evals.scheduler_ticks import read_ticks


@pytest.mark.slow
def test_a_scheduled_run_keeps_and_logs_its_ticks_and_plots_from_its_directory(tmp_path):
    run_dir, _ = _run(tmp_path, "policy=lru", "tier=kv", "budget.kv_tokens=128", "logger=wandb", "torch_threads=1",
                      "compare_with=[none]")  # fmt: skip
    ticks = read_ticks(run_dir)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert [t["tick"] for t in ticks] == [1, 2, 3] and [t["queries"] for t in ticks] == [1, 2, 3]
    assert sum(t["promotions"] for t in ticks) == metrics["scheduling"]["promotions"]
    assert max(t["kv_resident_tokens"] for t in ticks) == metrics["scheduling"]["kv_resident_tokens_max"] <= 128
    assert all(t["answer_s_mean"] > 0 and t["kv_resident_bytes"] > 0 for t in ticks)
    (wandb_run,) = (run_dir / "wandb").glob("offline-run-*")
    (table,) = (wandb_run / "files" / "media" / "table").glob("scheduler_ticks_*.table.json")
    logged = json.loads(table.read_text())
    assert [row[logged["columns"].index("kv_resident_bytes")] for row in logged["data"]] == [
        t["kv_resident_bytes"] for t in ticks]
    assert len(list((wandb_run / "files" / "media" / "images" / "tradeoff").glob("*.png"))) == 2

    out = tmp_path / "plots" / "run"
    command = [sys.executable, str(REPO / "scripts" / "plot_tradeoffs.py"), str(run_dir), "--out", str(out),
               "--include-dirty"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, env=ENV)
    assert result.returncode == 0, result.stderr
    points = json.loads(out.with_suffix(".json").read_text())["points"]
    assert [(p["label"], p["tier"], p["policy"]) for p in points] == [("lru 128 tokens", "activation", "lru"),
                                                                      ("none", "none", "none")]
    for axis in ("bytes", "ttft"):
        assert (tmp_path / "plots" / f"run_accuracy_vs_{axis}.png").read_bytes()[:4] == b"\x89PNG"

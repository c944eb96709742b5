"""scripts/results_table.py: never overwrites a table without --force."""

from __future__ import annotations

import json

import pytest
import yaml
from script_loader import load_script, strict_json


def _fake_run(run_dir):
    """A complete, clean-tree run directory as the runner writes it, with hand-made metrics."""
    run_dir.mkdir(parents=True)
    (run_dir / "config.yaml").write_text(yaml.safe_dump({"memory": {"_target_": "evals.systems.NoMemory"}}))
    (run_dir / "status.json").write_text(json.dumps({"status": "complete"}))
    (run_dir / "environment.json").write_text(json.dumps(
        {"command": "python run.py memory=none", "git": {"commit": "0" * 40, "dirty": False}}))
    latency = {"p50": 10.0, "p95": 20.0}
    (run_dir / "metrics.json").write_text(json.dumps({
        "n": 2, "f1": 0.5, "f1_by_category": {"1": 0.5}, "bleu1": 0.25, "evidence_recall@5": None,
        "evidence_recall@10": None, "latency_ms": {"search": latency, "answer": latency, "ttft": latency},
        "prompt_tokens_mean": 70.0, "bytes_stored_total": 0}))  # fmt: skip


def test_an_existing_table_is_kept_unless_forced(tmp_path):
    table = load_script("results_table")
    _fake_run(tmp_path / "runs" / "a")
    out = tmp_path / "tables" / "main"
    out.parent.mkdir()
    out.with_suffix(".md").write_text("committed table\n")
    with pytest.raises(SystemExit, match="main.md exists; pass --force"):
        table.main([str(tmp_path / "runs"), "--out", str(out)])
    assert out.with_suffix(".md").read_text() == "committed table\n" and not out.with_suffix(".json").exists()
    table.main([str(tmp_path / "runs"), "--out", str(out), "--force"])
    made = strict_json(out.with_suffix(".json"))
    assert made["rows"][0]["system"] == "none" and made["rows"][0]["f1"] == 0.5
    assert "--force" in made["made_by"]["command"]
    assert out.with_suffix(".md").read_text().count("| none |") == 1

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


def test_scheduler_migration_and_fusion_columns_appear_where_a_run_has_them(tmp_path):
    table = load_script("results_table")
    _fake_run(tmp_path / "runs" / "plain")
    os_run = tmp_path / "runs" / "os"
    _fake_run(os_run)
    (os_run / "config.yaml").write_text(yaml.safe_dump({"memory": {"_target_": "evals.systems.FullContext"}}))
    metrics = json.loads((os_run / "metrics.json").read_text())
    metrics |= {"scheduling": {"scheduler_s": 1.5, "migrations": {"promote_hot": 3, "demote_cold": 1}},
                "fusion": {"merged": 2, "superseded": 4, "adapter_merges": 1,
                           "operators": ["fuse.text_merge", "fuse.lora_merge"]}}
    (os_run / "metrics.json").write_text(json.dumps(metrics))
    out = tmp_path / "table"
    table.main([str(tmp_path / "runs"), "--out", str(out)])
    rows = {r["system"]: r for r in strict_json(out.with_suffix(".json"))["rows"]}
    made = rows["full_context"]
    assert made["migrations"] == "promote_hot 3, demote_cold 1" and made["superseded"] == 4
    assert rows["none"]["scheduler_s"] is None and rows["none"]["superseded"] is None
    header = out.with_suffix(".md").read_text().split("\n| system")[1].split("\n")[0]
    assert header.endswith("| scheduler_s | migrations | superseded | merged | adapter_merges |")
    _fake_run(tmp_path / "plain_only" / "a")
    table.main([str(tmp_path / "plain_only"), "--out", str(tmp_path / "plain_table")])
    assert "superseded" not in (tmp_path / "plain_table.md").read_text()


def test_a_run_that_adopted_a_shard_names_it_and_a_dirty_shard_keeps_it_out(tmp_path):
    table = load_script("results_table")

    def adopted_from(run_dir, dirty):
        env = json.loads((run_dir / "environment.json").read_text())
        shard = {"command": "python run.py dataset.sample_ids=[50]", "git": {"commit": "2" * 40, "dirty": dirty}}
        env["adopted"] = [{"shard": "runs/shard", "records": {".": 2}, "environment": shard,
                           "by": {"git": {"commit": "3" * 40, "dirty": False}}}]  # fmt: skip
        (run_dir / "environment.json").write_text(json.dumps(env))

    _fake_run(tmp_path / "clean" / "a")
    adopted_from(tmp_path / "clean" / "a", dirty=False)
    table.main([str(tmp_path / "clean"), "--out", str(tmp_path / "t1")])
    assert "resumed or adopted at 33333333, 22222222, answers adopted from runs/shard)" in (
        tmp_path / "t1.md").read_text()
    _fake_run(tmp_path / "dirty" / "a")
    adopted_from(tmp_path / "dirty" / "a", dirty=True)
    with pytest.raises(SystemExit, match="dirty git tree"):
        table.main([str(tmp_path / "dirty"), "--out", str(tmp_path / "t2")])

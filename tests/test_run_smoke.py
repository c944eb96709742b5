"""`python run.py` end to end on a few questions, with the real models and data."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
METRIC_KEYS = {"f1", "f1_by_category", "bleu1", "evidence_recall@5", "evidence_recall@10", "latency_ms",
               "prompt_tokens_mean", "bytes_stored"}


def _run(tmp_path, *overrides):
    run_dir = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, str(REPO / "run.py"), "dataset.max_questions=3", f"hydra.run.dir={run_dir}", *overrides],
        cwd=tmp_path, capture_output=True, text=True, env={**__import__("os").environ, "WANDB_SILENT": "true"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return run_dir, result


@pytest.mark.slow
def test_default_run_writes_records_metrics_config_and_wandb(tmp_path):
    run_dir, result = _run(tmp_path)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert METRIC_KEYS <= set(metrics)
    assert metrics["n"] == 3 and 0.0 <= metrics["f1"] <= 1.0
    assert set(metrics["latency_ms"]) == {"search", "answer", "ttft"}
    assert metrics["latency_ms"]["answer"]["p95"] >= metrics["latency_ms"]["answer"]["p50"] > 0
    assert metrics["bytes_stored"]["plaintext"] > 0
    assert metrics["ingest_s"]["conversations"] == 1 and metrics["ingest_s"]["total"] > 0
    records = [json.loads(line) for line in (run_dir / "records.jsonl").read_text().splitlines()]
    assert len(records) == 3
    expected = {"question", "gold", "prediction", "retrieved_ids", "prompt_tokens", "search_ms", "answer_ms"}
    assert expected <= set(records[0])
    assert len(records[0]["retrieved_ids"]) == 10
    env = json.loads((run_dir / "environment.json").read_text())
    assert env["git"]["commit"] and env["packages"]["torch"]
    assert json.loads((run_dir / "status.json").read_text())["status"] == "complete"
    assert "sample_ids" in (run_dir / "config.yaml").read_text()
    assert list((run_dir / "wandb").glob("offline-run-*")), "no offline W&B run written"
    assert "F1" in result.stdout


@pytest.mark.slow
def test_run_resumes_from_its_records(tmp_path):
    run_dir, _ = _run(tmp_path, "memory=none", "logger=none")
    records = (run_dir / "records.jsonl").read_text().splitlines()
    (run_dir / "records.jsonl").write_text("\n".join(records[:2]) + "\n" + records[2][:20])  # torn last line
    _run(tmp_path, "memory=none", "logger=none")
    again = (run_dir / "records.jsonl").read_text().splitlines()
    assert [json.loads(r)["qid"] for r in again] == [json.loads(r)["qid"] for r in records]


@pytest.mark.slow
def test_results_table_is_built_from_run_directories(tmp_path):
    run_dir, _ = _run(tmp_path, "memory=none", "logger=none")
    out = tmp_path / "results" / "table"
    script = str(REPO / "scripts" / "results_table.py")
    command = [sys.executable, script, str(run_dir), "--out", str(out), "--include-dirty"]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    table = json.loads(out.with_suffix(".json").read_text())
    assert table["rows"][0]["system"] == "none" and table["rows"][0]["n"] == 3
    assert table["made_by"]["command"].startswith("python") and table["made_by"]["git"]["commit"]
    markdown = out.with_suffix(".md").read_text()
    assert "| none | 3 |" in markdown and "memory=none" in markdown

    (run_dir / "status.json").write_text('{"status": "running"}')  # an unfinished run: left out unless asked
    assert subprocess.run(command, capture_output=True, text=True).returncode != 0
    result = subprocess.run([*command, "--include-partial"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "| none [partial] | 3 |" in out.with_suffix(".md").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("experiment", sorted(p.stem for p in (REPO / "experiments").glob("*.yaml")))
def test_every_experiment_runs(tmp_path, experiment):
    run_dir, _ = _run(tmp_path, f"+experiment={experiment}", "dataset.sample_ids=[30]", "dataset.max_questions=1",
                      "memory=none", "logger=none")
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["n"] == 1


@pytest.mark.slow
def test_kv_tier_run_logs_kv_bytes_and_ttft(tmp_path):
    run_dir, _ = _run(tmp_path, "tier=kv", "tier.max_tokens=256", "dataset.sample_ids=[30]", "dataset.max_questions=2",
                      "logger=none")
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["bytes_stored"]["activation"] > 0 and metrics["latency_ms"]["ttft"]["p50"] > 0
    records = [json.loads(line) for line in (run_dir / "records.jsonl").read_text().splitlines()]
    assert all(r["mode"] == "kv" and r["reused_tokens"] > 0 for r in records)


@pytest.mark.slow
def test_lora_tier_run_distils_the_conversation_and_logs_adapter_cost(tmp_path):
    run_dir, _ = _run(tmp_path, "tier=lora", "tier.distil.steps=2", "tier.distil.warmup_steps=1",
                      "dataset.sample_ids=[30]", "dataset.max_questions=2", "logger=none")
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["bytes_stored"]["parameter"] > 0
    records = [json.loads(line) for line in (run_dir / "records.jsonl").read_text().splitlines()]
    assert all(r["adapter_bytes"] == metrics["bytes_stored"]["parameter"] for r in records)
    assert 0 < records[0]["train_s"] < metrics["ingest_s"]["total"]

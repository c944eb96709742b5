"""`python run.py` end to end on a few questions, with the real models and data."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
METRIC_KEYS = {"f1", "f1_by_category", "bleu1", "evidence_recall@5", "evidence_recall@10", "latency_ms",
               "prompt_tokens_mean", "bytes_stored"}


ENV = {**os.environ, "WANDB_SILENT": "true"}
# Each experiment's own content, shrunk to a question or two.
SHRINK = {
    "locomo_main": ["dataset.sample_ids=[30]", "dataset.max_questions=1"],
    "locomo_quick": ["dataset.sample_ids=[26]", "dataset.question_sample=1", "torch_threads=1"],
    "retrieval_ablation": ["dataset.max_questions=1", "dataset.question_sample=null"],
    "smoke": ["dataset.max_questions=1", "dataset.question_sample=null"],
    "scheduler_sweep": ["policy=lfu", "workload.queries=2", "workload.memories=12"],
    "kv_modes": ["workload.queries=2", "workload.memories=12", "kv.recompute_tokens=2"],
    "longbench": ["dataset.tasks=[multifieldqa_en]", "dataset.max_samples=1", "compare_with=[]", "memory.top_k=2"],
    "fusion_tiers_knowledge_update": ["dataset.users=1", "dataset.facts_per_user=1", "dataset.categories=[current]",
                                      "fusion=text_merge"],
    "fusion_tiers_locomo": ["dataset.sample_ids=[26]", "dataset.question_sample=1", "fusion=text_merge"],
    "fusion_all_knowledge_update": ["dataset.users=1", "dataset.facts_per_user=1", "dataset.past_per_fact=1",
                                    "dataset.categories=[current]", "+system=all_quick",
                                    "fusion=[text_merge,kv_concat,lora_merge]"],
    "fusion_kv_concat_locomo": ["dataset.sample_ids=[26]", "dataset.question_sample=1", "+system=kv",
                                "fusion=kv_concat"],
}


def _run(tmp_path, *overrides, base=("dataset.max_questions=3", "compare_with=[]")):
    run_dir = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, str(REPO / "run.py"), *base, f"hydra.run.dir={run_dir}", *overrides],
        cwd=tmp_path, capture_output=True, text=True, env=ENV,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return run_dir, result


@pytest.mark.slow
def test_default_run_writes_records_metrics_config_and_wandb(tmp_path):
    run_dir, result = _run(tmp_path, base=("dataset.question_sample=3",))
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert METRIC_KEYS <= set(metrics)
    assert metrics["n"] == 3 and 0.0 <= metrics["f1"] <= 1.0
    assert set(metrics["latency_ms"]) == {"search", "answer", "ttft", "total"}
    assert metrics["latency_ms"]["answer"]["p95"] >= metrics["latency_ms"]["answer"]["p50"] > 0
    assert metrics["bytes_stored"]["plaintext"] > 0
    assert metrics["ingest_s"]["episodes"] == 1 and metrics["ingest_s"]["total"] > 0
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
    assert "F1" in result.stdout and f"results: {run_dir}" in result.stdout
    baseline = json.loads((run_dir / "baselines" / "none" / "metrics.json").read_text())  # compare_with: [none]
    assert baseline["n"] == 3 and baseline["evidence_recall@10"] is None
    assert "on the same 3 questions" in result.stdout and env["dataset"]["sha256"] and env["torch_threads"] >= 1


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
    assert "| none | locomo | 3 |" in markdown and "memory=none" in markdown

    (run_dir / "status.json").write_text('{"status": "running"}')  # an unfinished run: left out unless asked
    assert subprocess.run(command, capture_output=True, text=True).returncode != 0
    result = subprocess.run([*command, "--include-partial", "--force"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "| none [partial] | locomo | 3 |" in out.with_suffix(".md").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("experiment", sorted(p.stem for p in (REPO / "experiments").glob("*.yaml")))
def test_every_experiment_runs(tmp_path, experiment):
    run_dir, _ = _run(tmp_path, f"+experiment={experiment}", *SHRINK[experiment], "logger=none", base=())
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert 1 <= metrics["n"] <= 2


@pytest.mark.slow
def test_the_users_first_command_schedules_the_kv_tier(tmp_path):
    run_dir, _ = _run(tmp_path, "policy=lru", "tier=kv", "budget.kv_tokens=128", "logger=none")
    metrics = json.loads((run_dir / "metrics.json").read_text())
    scheduling = metrics["scheduling"]
    assert scheduling["policy"] == "lru" and scheduling["ticks"] == 3 and scheduling["promotions"] > 0
    assert scheduling["kv_resident_tokens_max"] <= 128 and 0 <= scheduling["kv_hit_rate_tokens"] <= 1
    records = [json.loads(line) for line in (run_dir / "records.jsonl").read_text().splitlines()]
    assert records[0]["kv_hit_cubes"] == 0 and all("scheduler_s" in r for r in records)


@pytest.mark.slow
def test_sigterm_cancels_and_a_failure_is_recorded(tmp_path):
    run_dir = tmp_path / "run"
    command = [sys.executable, str(REPO / "run.py"), "memory=none", "logger=none", "compare_with=[]",
               f"hydra.run.dir={run_dir}"]
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=ENV)
    records = run_dir / "records.jsonl"
    while process.poll() is None and not (records.exists() and records.read_text().count("\n") >= 1):
        time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130 and "Resume with" in stderr and "Traceback" not in stderr
    assert json.loads((run_dir / "status.json").read_text())["status"] == "cancelled"

    failing = tmp_path / "failing"
    result = subprocess.run([sys.executable, str(REPO / "run.py"), "tier=lora", "tier.distil.steps=2",
                             "tier.distil.warmup_steps=1", "tier.distil.target_modules=[no_such_module]",
                             "dataset.max_questions=1", "logger=none", "compare_with=[]",
                             f"hydra.run.dir={failing}"], cwd=tmp_path, capture_output=True, text=True, env=ENV)
    assert result.returncode != 0
    status = json.loads((failing / "status.json").read_text())
    assert status["status"] == "failed" and "no_such_module" in status["error"]


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

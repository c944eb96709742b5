"""Run directories as the runner writes them, built by hand for stages that read finished runs
(judging, leaderboard export): real LoCoMo questions of conversation 26 and LongMemEval-shaped rows."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

LOCOMO = "evals.datasets.locomo.LocomoDataset"
LONGMEMEVAL = "evals.datasets.longmemeval.LongMemEvalDataset"


def _record(qid: str, category: int | str, question: str, gold: str, prediction: str, **extra: Any) -> dict:
    return {"qid": qid, "category": category, "question": question, "gold": gold, "output": prediction,
            "prediction": prediction, "f1": 0.0, "bleu1": 0.0, "evidence": [], "prompt_tokens": 812,
            "search_ms": 41.5, "answer_ms": 640.2, "ttft_ms": 350.1, "conversation": qid.split(":")[0],
            "ingest_s": 13.1, **extra}  # fmt: skip


LOCOMO_RECORDS = [
    _record("26:q0", 2, "When did Caroline go to the LGBTQ support group?", "7 May 2023",
            "Caroline went to the LGBTQ support group on 7 May 2023."),
    _record("26:q3", 1, "What did Caroline research?", "Adoption agencies", "She researched adoption agencies."),
    _record("26:q4", 1, "What is Caroline's identity?", "Transgender woman", "Caroline is a painter."),
    _record("26:q152", 5, "What did Caroline realize after her charity race?", "self-care is important",
            "Not mentioned in the conversation."),
]
LOCOMO_BASELINE = [
    _record("26:q0", 2, "When did Caroline go to the LGBTQ support group?", "7 May 2023", "No information available."),
    _record("26:q3", 1, "What did Caroline research?", "Adoption agencies", "No information available."),
]
LONGMEMEVAL_RECORDS = [
    _record("gpt4_2655b836", "temporal-reasoning", "How many days passed between my two dentist visits?", "18 days",
            "19 days passed between the two visits.", dataset="longmemeval"),
    _record("6a1eabeb", "knowledge-update", "Where do I live now?", "Denver",
            "You used to live in Austin, but you moved to Denver.", dataset="longmemeval"),
    _record("0a995998_abs", "single-session-user", "What is my cat's name?",
            "You did not mention a cat; you mentioned a dog named Max.", "I don't know your cat's name.",
            dataset="longmemeval"),
]


def config(dataset_target: str = LOCOMO) -> dict[str, Any]:
    tier = {"_target_": "memos_lab.tiers.plaintext.tier.PlaintextTier", "_partial_": True, "max_new_tokens": 32}
    return {
        "dataset": {"_target_": dataset_target, "path": None, "sample_ids": ["26"], "question_sample": 25},
        "model": {"_target_": "memos_lab.models.hf_local.HFCausalLM", "model": "smollm2", "dtype": "float32"},
        "memory": {"_target_": "evals.systems.memos_system.MemOSSystem", "_partial_": True, "tier": tier,
                   "top_k": 10, "mode": "hybrid"},
        "tier": tier, "policy": None, "judge": None, "logger": {"_target_": "evals.loggers.wandb_logger.NoLogger"},
        "task_name": "locomo", "seed": 0, "torch_threads": 1, "compare_with": ["none"],
    }  # fmt: skip


def environment(dirty: bool = False, commit: str = "3a5a09fbf77427711d995d1636779b07dba55444") -> dict[str, Any]:
    return {"command": "python run.py", "date": "2026-11-29T03:35:41+00:00",
            "git": {"commit": commit, "dirty": dirty, "dirty_files": ["evals/x.py"] if dirty else [],
                    "dirty_count": int(dirty)},
            "packages": {"torch": "2.13.0+cpu"},
            "dataset": {"path": "/data/locomo", "sha256": "987d4d1b" + "0" * 56}, "scoring_version": 2}  # fmt: skip


def metrics(records: list[dict], bytes_stored: int = 82234) -> dict[str, Any]:
    latency = {"p50": 640.2, "p95": 700.5, "mean": 650.0}
    return {"scoring_version": 2, "n": len(records), "f1": 0.25, "f1_by_category": {"1": 0.25},
            "n_by_category": {"1": len(records)}, "bleu1": 0.2, "evidence_recall@5": 0.5, "evidence_recall@10": 0.75,
            "latency_ms": {"search": latency, "answer": latency, "ttft": latency}, "prompt_tokens_mean": 812.0,
            "ingest_s": {"total": 13.1, "conversations": 1}, "bytes_stored": {"plaintext": bytes_stored},
            "bytes_stored_total": bytes_stored}  # fmt: skip


def write_run(run_dir: Path, records: list[dict] = LOCOMO_RECORDS, baselines: dict[str, list[dict]] | None = None,
              dataset_target: str = LOCOMO, status: str = "complete", dirty: bool = False) -> Path:
    """A run directory: config.yaml, environment.json, status.json, records.jsonl, metrics.json (when complete)
    and baselines/<name>/{records.jsonl,metrics.json}."""
    baselines = {"none": LOCOMO_BASELINE} if baselines is None else baselines
    run_dir.mkdir(parents=True)
    (run_dir / "config.yaml").write_text(yaml.safe_dump(config(dataset_target), sort_keys=False))
    (run_dir / "environment.json").write_text(json.dumps(environment(dirty)))
    (run_dir / "status.json").write_text(json.dumps({"status": status}))
    _write_records(run_dir, records, with_metrics=status == "complete")
    for name, rows in baselines.items():
        _write_records(run_dir / "baselines" / name, rows, with_metrics=True)
    return run_dir


def _write_records(system_dir: Path, records: list[dict], with_metrics: bool) -> None:
    system_dir.mkdir(parents=True, exist_ok=True)
    (system_dir / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    if with_metrics:
        (system_dir / "metrics.json").write_text(json.dumps(metrics(records, 82234 if records else 0)))


@contextlib.contextmanager
def held_by_another_process(run_dir: Path):
    """`run_dir` held (evals.run_dir.exclusive) by a live subprocess for the block; SIGKILLed when it ends."""
    holder = subprocess.Popen([sys.executable, "-c", (
        "import time; from pathlib import Path; from evals.run_dir import exclusive\n"
        f"with exclusive(Path({str(run_dir)!r})):\n    print('held', flush=True); time.sleep(120)")],
        stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait()

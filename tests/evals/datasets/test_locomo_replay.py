"""LoCoMo on the dataset contract scores a stored run exactly as the run recorded it.

tests/evals/data/locomo_run_3a5a09f holds the records and metrics of
`python run.py dataset.question_sample=16 compare_with=[] logger=none torch_threads=1`
made at commit 3a5a09f, before the contract existed. Every prediction is
re-scored here through `LocomoDataset.score` / `retrieval_scores` / `aggregate`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.datasets.episode import Question
from evals.datasets.locomo import LocomoDataset

STORED_RUN = Path(__file__).resolve().parents[1] / "data" / "locomo_run_3a5a09f"
ACCURACY_KEYS = ("scoring_version", "n", "f1", "f1_by_category", "n_by_category", "bleu1",
                 "evidence_recall@5", "evidence_recall@10")


def _rescored(dataset: LocomoDataset, record: dict) -> dict:
    question = Question(record["qid"], record["question"], (record["gold"],), record["category"],
                        tuple(record["evidence"]))
    return {"category": record["category"], **dataset.score(question, record["prediction"]),
            **dataset.retrieval_scores(question, record["retrieved_refs"], searched=True)}


def test_a_stored_locomo_run_rescores_to_its_recorded_metrics():
    dataset = LocomoDataset()
    records = [json.loads(line) for line in (STORED_RUN / "records.jsonl").read_text().splitlines()]
    stored = json.loads((STORED_RUN / "metrics.json").read_text())
    rescored = [_rescored(dataset, r) for r in records]
    for record, again in zip(records, rescored, strict=True):
        assert again["f1"] == record["f1"] and again["bleu1"] == record["bleu1"]
        assert again["evidence_recall@10"] == record["evidence_recall@10"]
    metrics = dataset.aggregate(rescored)
    assert {k: metrics[k] for k in ACCURACY_KEYS} == {k: stored[k] for k in ACCURACY_KEYS}
    assert metrics["f1"] == pytest.approx(0.17221839369405292, abs=0)

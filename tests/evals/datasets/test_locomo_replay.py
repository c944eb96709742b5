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
ACCURACY_KEYS = ("n", "f1", "f1_by_category", "n_by_category", "bleu1", "evidence_recall@5", "evidence_recall@10")


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
    # version 3 only adds metrics (ROUGE-L; F1 on audited gold when an audit file is given)
    assert (stored["scoring_version"], metrics["scoring_version"]) == (2, 3) and 0 <= metrics["rouge_l"] <= 1


def test_an_audit_file_adds_f1_on_corrected_gold(tmp_path):
    audit = [{"question_id": "locomo_0_qa2", "question": "What fields would Caroline be likely to pursue in her "
              "educaton?", "golden_answer": "Psychology, counseling certification", "category": 3,
              "correct_answer": "Counseling or mental health"}]
    (tmp_path / "errors_conv_0.json").write_text(json.dumps(audit))
    dataset = LocomoDataset(sample_ids=["26"], categories=[3], question_sample=None, corrected_answers=str(tmp_path))
    question = next(q for q in dataset.load()[0].questions if q.qid == "26:q2")
    scores = dataset.score(question, "counseling or mental health")
    assert scores["f1_audited"] == 1.0 and scores["f1"] < 0.5 and dataset.metrics[-1] == "f1_audited"
    audit[0]["question"] = "Another question?"
    (tmp_path / "errors_conv_0.json").write_text(json.dumps(audit))
    with pytest.raises(ValueError, match="26:q2 asks 'Another question\?' in the audit"):
        LocomoDataset(sample_ids=["26"], corrected_answers=str(tmp_path)).load()

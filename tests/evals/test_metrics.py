"""Run-level metrics: the cost side beside accuracy."""

from evals.datasets.locomo import LocomoDataset
from evals.metrics import ingest_seconds, percentiles, summarise


def _record(episode, ingest_s, **extra):
    return {
        "episode": episode,
        "category": 4,
        "f1": 0.5,
        "bleu1": 0.25,
        "rouge_l": 0.4,
        "ingest_s": ingest_s,
        "prompt_tokens": 10,
        "search_ms": 1.0,
        "answer_ms": 2.0,
        "ttft_ms": 0.5,
        **extra,
    }


def test_ingest_seconds_counts_each_episode_once():
    records = [_record("26", 3.0), _record("26", 3.0), _record("30", 5.0)]
    assert ingest_seconds(records) == {"total": 8.0, "episodes": 2}


def test_a_resumed_episode_keeps_its_first_recorded_build():
    records = [_record("26", 3.0), _record("26", 7.0)]  # the second build came from a resumed run
    assert ingest_seconds(records)["total"] == 3.0


def test_records_from_before_build_timing_give_none():
    assert ingest_seconds([{"prompt_tokens": 1}]) is None


def test_summarise_reports_latency_percentiles_tokens_and_bytes():
    records = [_record("26", 1.0), _record("26", 1.0, answer_ms=4.0)]
    metrics = summarise(records, LocomoDataset(), {"plaintext": 100, "activation": 50})
    assert metrics["n"] == 2 and metrics["bytes_stored_total"] == 150 and metrics["f1"] == 0.5
    assert metrics["dataset"] == "locomo" and metrics["metric_names"] == ["f1", "bleu1", "rouge_l"]
    assert metrics["rouge_l"] == 0.4
    assert metrics["latency_ms"]["answer"] == percentiles([2.0, 4.0])
    assert metrics["prompt_tokens_mean"] == 10.0 and metrics["ingest_s"]["episodes"] == 1


def test_an_empty_search_scores_recall_zero_and_no_search_scores_none():
    from evals.datasets.episode import Question
    from evals.harness import score_record
    from evals.systems.base import SystemAnswer

    question, dataset = Question("26:q0", "Where?", ("Paris",), 4, ("D1:3",)), LocomoDataset()
    searched_nothing = score_record(dataset, question, SystemAnswer("Paris", 10, 0.1, 0.05, searched=True))
    closed_book = score_record(dataset, question, SystemAnswer("Paris", 10, 0.1, 0.05))
    assert searched_nothing["evidence_recall@10"] == 0.0 and closed_book["evidence_recall@10"] is None

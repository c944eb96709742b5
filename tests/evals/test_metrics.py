"""Run-level metrics: the cost side beside accuracy."""

from evals.metrics import ingest_seconds, percentiles, summarise


def _record(conversation, ingest_s, **extra):
    return {
        "conversation": conversation,
        "ingest_s": ingest_s,
        "prompt_tokens": 10,
        "search_ms": 1.0,
        "answer_ms": 2.0,
        "ttft_ms": 0.5,
        **extra,
    }


def test_ingest_seconds_counts_each_conversation_once():
    records = [_record("26", 3.0), _record("26", 3.0), _record("30", 5.0)]
    assert ingest_seconds(records) == {"total": 8.0, "conversations": 2}


def test_a_resumed_conversation_keeps_its_first_recorded_build():
    records = [_record("26", 3.0), _record("26", 7.0)]  # the second build came from a resumed run
    assert ingest_seconds(records)["total"] == 3.0


def test_records_from_before_build_timing_give_none():
    assert ingest_seconds([{"prompt_tokens": 1}]) is None


def test_summarise_reports_latency_percentiles_tokens_and_bytes():
    records = [_record("26", 1.0), _record("26", 1.0, answer_ms=4.0)]
    metrics = summarise(records, lambda rs: {"n": len(rs)}, {"plaintext": 100, "activation": 50})
    assert metrics["n"] == 2 and metrics["bytes_stored_total"] == 150
    assert metrics["latency_ms"]["answer"] == percentiles([2.0, 4.0])
    assert metrics["prompt_tokens_mean"] == 10.0 and metrics["ingest_s"]["conversations"] == 1


def test_an_empty_search_scores_recall_zero_and_no_search_scores_none():
    from evals.harness import score_record
    from evals.locomo.loader import Question
    from evals.systems.base import SystemAnswer

    question = Question("Where?", "Paris", 4, ("D1:3",), "26:q0")
    searched_nothing = score_record(question, SystemAnswer("Paris", 10, 0.1, 0.05, searched=True))
    closed_book = score_record(question, SystemAnswer("Paris", 10, 0.1, 0.05))
    assert searched_nothing["evidence_recall@10"] == 0.0 and closed_book["evidence_recall@10"] is None

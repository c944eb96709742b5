"""The endpoint judge against a real OpenAI-compatible HTTP server on 127.0.0.1 serving SmolLM2-135M.

Requests are counted at the server: n judgements per judged question, none on
a rerun (the judgements file) or on a fresh copy of the run (the cache), and
only the new samples when n grows.
"""

import json

import pytest
from loopback_endpoint import model_reply, serve
from run_dir_builder import LONGMEMEVAL, LONGMEMEVAL_RECORDS, write_run

from evals.judge import main

JUDGED = 3 + 2  # the run's LoCoMo questions (category 5 is not judged) and its baseline's


@pytest.fixture(scope="module")
def endpoint(smollm2):
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    with serve(model_reply(smollm2)) as running:
        yield running
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """One reply cache for the module, as on one machine: tests that judge the same answers share replies."""
    return tmp_path_factory.mktemp("judge_cache") / "cache.sqlite"


def _judge(run_dir, endpoint, cache, *overrides):
    return main([str(run_dir), "judge=openai", f"judge.base_url={endpoint.url}", "judge.model=smollm2",
                 f"judge.cache={cache}", "judge.max_new_tokens=8", *overrides])


def _read(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_run_is_judged_n_times_per_question_and_a_rerun_sends_nothing(tmp_path, endpoint, cache):
    run_dir = write_run(tmp_path / "run")
    sent = len(endpoint.requests)
    assert _judge(run_dir, endpoint, cache, "judge.n=2") == 0
    assert len(endpoint.requests) - sent == 2 * JUDGED
    path, _, body = endpoint.requests[-1]
    assert path == "/v1/chat/completions" and body["model"] == "smollm2" and body["temperature"] == 0
    asked = body["messages"][0]["content"]
    assert "Gold answer: Adoption agencies\nGenerated answer: No information available." in asked

    metrics = json.loads((run_dir / "judge" / "openai-smollm2" / "judge_metrics.json").read_text())
    assert metrics["n"] == 3 and metrics["skipped_unjudged"] == 1 and metrics["dataset"] == "locomo"
    assert metrics["judge"]["n"] == 2 and metrics["judge"]["comparable_with_gpt4o_mini"] is False
    assert "not comparable with GPT-4o-mini" in metrics["judge"]["label"] and metrics["prompt_version"] == 1
    assert len(metrics["by_repeat"]) == 2 and 0 <= metrics["accuracy"] <= 1 and metrics["calls"]["sent"] == 6
    assert set(metrics["by_category"]) == {"1", "2"} and 0 <= metrics["unparsable"] <= 6
    lines = _read(run_dir / "judge" / "openai-smollm2" / "judgements.jsonl")
    assert [(line["qid"], line["sample"]) for line in lines][:2] == [("26:q0", 0), ("26:q0", 1)]
    assert all(line["label"] in ("CORRECT", "WRONG", None) and line["prompt"] == "locomo" for line in lines)
    baseline = json.loads((run_dir / "baselines" / "none" / "judge" / "openai-smollm2" / "judge_metrics.json")
                          .read_text())
    assert baseline["n"] == 2 and baseline["calls"]["sent"] == 4

    assert _judge(run_dir, endpoint, cache, "judge.n=2") == 0  # resumed from the judgements files
    copy = write_run(tmp_path / "copy")  # the same answers judged afresh elsewhere, sharing the cache
    assert _judge(copy, endpoint, cache, "judge.n=2") == 0
    assert len(endpoint.requests) - sent == 2 * JUDGED
    assert json.loads((copy / "judge" / "openai-smollm2" / "judge_metrics.json").read_text())["calls"]["cached"] == 6

    assert _judge(run_dir, endpoint, cache, "judge.n=3") == 0  # a third sample is a new request per question
    assert len(endpoint.requests) - sent == 3 * JUDGED


def test_a_torn_judgements_file_is_cut_and_completed_from_the_cache(tmp_path, endpoint, cache):
    run_dir = write_run(tmp_path / "run", baselines={})
    assert _judge(run_dir, endpoint, cache) == 0
    out = run_dir / "judge" / "openai-smollm2" / "judgements.jsonl"
    whole = out.read_text()
    out.write_text(whole[: whole.rindex("{")] + '{"qid": "26:q4", "sam')  # the last judgement, torn by a crash
    sent = len(endpoint.requests)
    assert _judge(run_dir, endpoint, cache) == 0
    assert len(endpoint.requests) == sent and out.read_text() == whole


def test_longmemeval_answers_get_their_question_types_yes_no_prompts(tmp_path, endpoint, cache):
    run_dir = write_run(tmp_path / "run", LONGMEMEVAL_RECORDS, baselines={}, dataset_target=LONGMEMEVAL)
    sent = len(endpoint.requests)
    assert _judge(run_dir, endpoint, cache) == 0
    assert len(endpoint.requests) - sent == 3
    assert endpoint.requests[-1][2]["messages"][0]["content"].endswith(
        "Does the model correctly identify the question as unanswerable? Answer yes or no only.")
    lines = _read(run_dir / "judge" / "openai-smollm2" / "judgements.jsonl")
    assert [line["prompt"] for line in lines] == [
        "longmemeval/temporal-reasoning", "longmemeval/knowledge-update", "longmemeval/abstention"]
    metrics = json.loads((run_dir / "judge" / "openai-smollm2" / "judge_metrics.json").read_text())
    assert set(metrics["by_category"]) == {"temporal-reasoning", "knowledge-update", "single-session-user"}

"""LongBench on the dataset contract: format checks, chunking, the task metrics, length buckets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.datasets.chunking import ChunkerConfig, chunk_text
from evals.datasets.longbench import metrics
from evals.datasets.longbench.dataset import LongBenchDataset, LongBenchDatasetConfig, length_bucket
from evals.datasets.longbench.tasks import TASKS


def _row(i: int, **fields) -> dict:
    context = " ".join(f"Passage {i}: The lighthouse of Varna{i} was built in {1850 + i}." for _ in range(30))
    return {"input": f"When was the lighthouse of Varna{i} built?", "context": context,
            "answers": [str(1850 + i)], "length": 300 + 4000 * i, "dataset": "hotpotqa", "language": "en",
            "all_classes": None, "_id": f"id{i}", **fields}


def _task_file(directory: Path, rows: list[dict], name: str = "hotpotqa") -> Path:
    path = directory / f"{name}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_task_file_becomes_one_episode_per_sample_with_chunked_context(tmp_path):
    path = _task_file(tmp_path, [_row(0), _row(1)])
    dataset = LongBenchDataset(str(path), chunker={"size": 50, "overlap": 10})
    episodes = dataset.load()
    assert [e.episode_id for e in episodes] == ["id0", "id1"]
    first = episodes[0]
    assert len(first.events) > 3 and first.events[0].event_id == "id0:0" and first.events[0].kind.value == "chunk"
    assert first.instruction == TASKS["hotpotqa"].instruction and first.max_answer_tokens == 32
    question = first.questions[0]
    assert question.category == "hotpotqa" and question.answers == ("1850",)
    assert dataset.score(question, "It was built in 1850.")["score"] == pytest.approx(2 * (1 / 5) / (1 + 1 / 5))
    assert dataset.annotate(question) == {"metric": "qa_f1", "length": 300, "length_bucket": "0-4k"}


def test_max_samples_and_tasks_select_from_a_folder(tmp_path):
    _task_file(tmp_path, [_row(0), _row(1), _row(2)])
    _task_file(tmp_path, [_row(3, dataset="multifieldqa_en")], name="multifieldqa_en")
    assert len(LongBenchDataset(str(tmp_path)).load()) == 4
    chosen = LongBenchDataset(str(tmp_path), tasks=["hotpotqa"], max_samples=2).load()
    assert [e.episode_id for e in chosen] == ["id0", "id1"]
    with pytest.raises(FileNotFoundError, match=r"no task file for \['qasper'\]"):
        LongBenchDataset(str(tmp_path), tasks=["qasper"]).load()


@pytest.mark.parametrize(("line", "message"), [
    ("{not json\n", "line 1 is not valid JSON"),
    ('["a list"]\n', "line 1 is not a JSON object"),
    (json.dumps({k: v for k, v in _row(0).items() if k != "answers"}) + "\n", "line 1: missing field 'answers'"),
    (json.dumps(_row(0, answers=[])) + "\n", "field 'answers' must be a non-empty list"),
    (json.dumps(_row(0, context="  ")) + "\n", "field 'context' must be non-empty text"),
    (json.dumps(_row(0, dataset="dureader")) + "\n", "'dureader' is not supported"),
])
def test_a_malformed_file_names_the_file_line_and_field(tmp_path, line, message):
    path = tmp_path / "hotpotqa.jsonl"
    path.write_text(line, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as error:
        LongBenchDataset(str(path)).load()
    assert str(path) in str(error.value)


def test_bad_options_are_refused_before_anything_loads():
    with pytest.raises(ValueError, match="'narrativeqa_fr' is not supported"):
        LongBenchDatasetConfig(tasks=["narrativeqa_fr"])
    with pytest.raises(ValueError, match="max_samples=0"):
        LongBenchDatasetConfig(max_samples=0)
    with pytest.raises(ValueError, match="overlap=50 must be >= 0 and below size=50"):
        ChunkerConfig(size=50, overlap=50)


def test_aggregate_reports_the_mean_by_task_and_by_length_bucket():
    records = [{"category": "hotpotqa", "score": 1.0, "length_bucket": "0-4k"},
               {"category": "hotpotqa", "score": 0.0, "length_bucket": "8k+"},
               {"category": "multifieldqa_en", "score": 0.5, "length_bucket": "8k+"}]
    summary = LongBenchDataset().aggregate(records)
    assert summary["score"] == 0.5 and summary["score_by_category"] == {"hotpotqa": 0.5, "multifieldqa_en": 0.5}
    assert summary["score_by_length"] == {"0-4k": 1.0, "8k+": 0.25} and summary["evidence_recall@10"] is None
    assert [length_bucket(n) for n in (3999, 4000, 7999, 8000)] == ["0-4k", "4-8k", "4-8k", "8k+"]


def test_chunks_overlap_and_cover_the_text():
    words = [f"w{i}" for i in range(23)]
    chunks = chunk_text(" ".join(words), ChunkerConfig(size=10, overlap=3))
    assert chunks[0].split()[-3:] == chunks[1].split()[:3]
    assert chunks[-1].split()[-1] == "w22" and all(len(c.split()) <= 10 for c in chunks)
    by_sentence = ChunkerConfig(unit="sentences", size=2, overlap=1)
    sentences = chunk_text("One is here. Two is there! Three? Four.", by_sentence)
    assert sentences == ["One is here. Two is there!", "Two is there! Three?", "Three? Four."]


def test_token_chunks_count_model_tokens():
    chunks = chunk_text("the quick brown fox jumps over the lazy dog " * 10, ChunkerConfig(unit="tokens", size=16,
                                                                                           overlap=4))
    assert len(chunks) > 3 and "quick" in chunks[0]


def test_the_task_metrics_follow_longbench():
    assert metrics.qa_f1("The Eiffel Tower!", "eiffel tower") == 1.0
    assert metrics.rouge_l("the cat sat on the mat", "the cat sat on the mat") == pytest.approx(1.0)
    assert metrics.rouge_l("", "anything") == 0.0
    assert metrics.classification("It is a Location question", "Location", ["Location", "Person"]) == 1.0
    assert metrics.classification("Location or Person", "Location", ["Location", "Person"]) == 0.5
    assert metrics.count("There are 7 unique paragraphs, not 8", "7") == 0.5
    assert metrics.retrieval("Paragraph 12", "Paragraph 12") == 1.0
    assert metrics.code_similarity("```python\nx = compute(a, b)\n", "x = compute(a, b)") == 1.0
    assert metrics.best_score("qa_f1", "Paris", ["London", "Paris, France"]) == pytest.approx(2 / 3)


def test_the_shared_subset_loads_with_its_length_buckets():
    dataset = LongBenchDataset()
    episodes = dataset.load()
    assert {e.questions[0].category for e in episodes} == {"hotpotqa", "multifieldqa_en"} and len(episodes) == 50
    assert all(dataset.annotate(e.questions[0])["length_bucket"] for e in episodes)
    assert len(dataset.sha256) == 64

"""LongMemEval: a tiny file in the release's format loads into episodes; malformed files name the file, item and
field; containment, abstention, turn- and session-level recall and the per-type table; one run end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from evals.datasets.base import registered
from evals.datasets.files import DatasetNotFoundError
from evals.datasets.json_fields import DatasetFormatError
from evals.datasets.longmemeval import LongMemEvalDataset, LongMemEvalDatasetConfig
from evals.errors import UserError

REPO = Path(__file__).resolve().parents[3]


def _item(qid: str, question_type: str, answer, evidence_turn: int | None = 1) -> dict:
    """One question over two sessions; the answer sits in turn `evidence_turn` of the second ("answer_1")."""
    answer_turns = [{"role": "user", "content": "I got my new bike from Halfords last week."},
                    {"role": "assistant", "content": "Nice, enjoy the rides!"}]
    if evidence_turn is not None:
        answer_turns[evidence_turn - 1]["has_answer"] = True
    return {
        "question_id": qid, "question_type": question_type,
        "question": "Where did I buy my bike?", "answer": answer,
        "question_date": "2023/05/30 (Tue) 23:40",
        "haystack_session_ids": ["sharegpt_a_0", "answer_1"],
        "haystack_dates": ["2023/05/20 (Sat) 02:21", "2023/05/22 (Mon) 10:03"],
        "haystack_sessions": [[{"role": "user", "content": "Tell me a joke."},
                               {"role": "assistant", "content": "Why did the chicken cross the road?"},
                               {"role": "user", "content": "   "}],
                              answer_turns],
        "answer_session_ids": ["answer_1"],
    }


ITEMS = [_item("q1", "single-session-user", "Halfords"),
         _item("q2", "multi-session", 2),
         _item("q3_abs", "single-session-user", "You did not mention a bike shop.", evidence_turn=None),
         _item("q4", "single-session-preference", "The user would prefer suggestions about cycling gear.")]


@pytest.fixture()
def data_file(tmp_path):
    path = tmp_path / "longmemeval_s.json"
    path.write_text(json.dumps(ITEMS))
    return path


def _write(tmp_path, items) -> Path:
    path = tmp_path / "longmemeval_oracle.json"
    path.write_text(json.dumps(items))
    return path


def test_questions_become_episodes_of_dated_turns(data_file):
    episodes = LongMemEvalDataset(path=str(data_file)).load()
    assert [e.episode_id for e in episodes] == ["q1", "q2", "q3_abs", "q4"]
    episode = episodes[0]
    ids = [e.event_id for e in episode.events]
    assert ids == ["sharegpt_a_0:1", "sharegpt_a_0:2", "answer_1:1", "answer_1:2"]  # the blank turn left out
    first = episode.events[2]
    assert (first.speaker, first.session, first.time) == ("user", "answer_1", "2023/05/22 (Mon) 10:03")
    assert first.memory_line() == "[2023/05/22 (Mon) 10:03] user: I got my new bike from Halfords last week."
    (question,) = episode.questions
    assert question.category == "single-session-user" and question.evidence == ("answer_1:1",)
    assert question.for_model() == "(Today is 2023/05/30 (Tue) 23:40.) Where did I buy my bike?"
    assert episodes[1].questions[0].answers == ("2",)  # integer answers read as text
    assert episode.sessions == ("sharegpt_a_0", "answer_1")


def test_a_folder_gives_the_variant_and_the_selection_options_apply(data_file):
    folder = data_file.parent
    assert LongMemEvalDataset(path=str(folder)).path == data_file
    with pytest.raises(DatasetNotFoundError, match=r"longmemeval_m\[_cleaned\]\.json"):
        _ = LongMemEvalDataset(path=str(folder), variant="m").path
    chosen = LongMemEvalDataset(path=str(folder), question_types=["single-session-user"]).load()
    assert [e.episode_id for e in chosen] == ["q1", "q3_abs"]
    assert [e.episode_id for e in LongMemEvalDataset(path=str(folder), question_ids=["q2"]).load()] == ["q2"]
    sampled = [e.episode_id for e in LongMemEvalDataset(path=str(folder), question_sample=2, sample_seed=1).load()]
    assert len(sampled) == 2 and sampled == [e.episode_id for e in
                                             LongMemEvalDataset(path=str(folder), question_sample=2,
                                                                sample_seed=1).load()]
    assert len(LongMemEvalDataset(path=str(folder), max_questions=1).load()) == 1
    with pytest.raises(UserError, match="no LongMemEval question"):
        LongMemEvalDataset(path=str(folder), question_ids=["nope"]).load()


def test_the_env_var_finds_the_file_and_a_missing_one_says_how_to_get_it(data_file, tmp_path, monkeypatch):
    monkeypatch.setenv("MEMOS_LAB_LONGMEMEVAL", str(data_file))
    assert LongMemEvalDataset().path == data_file
    monkeypatch.setenv("MEMOS_LAB_LONGMEMEVAL", str(tmp_path / "missing.json"))
    with pytest.raises(DatasetNotFoundError, match=r"missing\.json.*MEMOS_LAB_LONGMEMEVAL.*dataset.download=true"):
        _ = LongMemEvalDataset().path


@pytest.mark.parametrize(("edit", "message"), [
    (lambda items: items[1].pop("haystack_dates"), r"item 1 \(question_id 'q2'\): missing field 'haystack_dates'"),
    (lambda items: items[0].update(question_type="chitchat"), r"item 0 .*'question_type' is 'chitchat'"),
    (lambda items: items[0]["haystack_dates"].pop(), r"item 0 .*differ in length \(2, 1, 2\)"),
    (lambda items: items[2]["haystack_sessions"][1][0].pop("content"),
     r"item 2 \(question_id 'q3_abs'\), session 'answer_1', turn 1: missing field 'content'"),
    (lambda items: items[0]["haystack_sessions"][1][0].update(has_answer="yes"),
     r"item 0 .*, turn 1: field 'has_answer' must be true or false, got str"),
    (lambda items: items[0].update(answer=None),
     r"item 0 \(question_id 'q1'\): field 'answer' must be a string or an integer or a number, got null"),
])
def test_a_malformed_file_names_the_file_the_item_and_the_field(tmp_path, edit, message):
    items = json.loads(json.dumps(ITEMS))
    edit(items)
    path = _write(tmp_path, items)
    with pytest.raises(DatasetFormatError, match=rf"longmemeval_oracle\.json: {message}"):
        LongMemEvalDataset(path=str(path)).load()


def test_a_file_that_is_not_a_list_of_questions_is_refused(tmp_path):
    path = _write(tmp_path, {"question_id": "q1"})
    with pytest.raises(DatasetFormatError, match="expected a JSON list of LongMemEval questions, got dict"):
        LongMemEvalDataset(path=str(path)).load()
    path.write_text("[{")
    with pytest.raises(DatasetFormatError, match="not valid JSON"):
        LongMemEvalDataset(path=str(path)).load()


def test_answers_are_scored_by_containment_and_abstention_by_declining(data_file):
    dataset = LongMemEvalDataset(path=str(data_file))
    q1, q2, q3, q4 = (e.questions[0] for e in dataset.load())
    assert dataset.score(q1, "You bought it at Halfords.") == {"contains": 1.0, "abstained": 0.0}
    assert dataset.score(q1, "At Halford's.")["contains"] == 1.0  # punctuation dropped, as LoCoMo normalises
    assert dataset.score(q1, "Halfordshire")["contains"] == 0.0  # whole words only
    assert dataset.score(q2, "2 times")["contains"] == 1.0 and dataset.score(q2, "12")["contains"] == 0.0
    assert dataset.score(q3, "I don\u2019t know.") == {"contains": 1.0, "abstained": 1.0}
    assert dataset.score(q3, "No information available.")["contains"] == 1.0
    assert dataset.score(q3, "Halfords")["contains"] == 0.0
    assert dataset.score(q4, "Try padded shorts.")["contains"] is None  # a rubric: only a judge scores it


def test_turn_and_session_recall_skip_abstention_questions(data_file):
    dataset = LongMemEvalDataset(path=str(data_file))
    q1, _, q3, _ = (e.questions[0] for e in dataset.load())
    found = dataset.retrieval_scores(q1, ["sharegpt_a_0:1", "answer_1:2", "answer_1:1"], searched=True)
    assert found == {"evidence_recall@5": 1.0, "evidence_recall@10": 1.0,
                     "session_recall@5": 1.0, "session_recall@10": 1.0}
    near = dataset.retrieval_scores(q1, ["answer_1:2"] + [f"x:{i}" for i in range(9)] + ["answer_1:1"], True)
    assert near == {"evidence_recall@5": 0.0, "evidence_recall@10": 0.0,
                    "session_recall@5": 1.0, "session_recall@10": 1.0}  # the right session, not the right turn
    assert set(dataset.retrieval_scores(q1, [], searched=False).values()) == {None}
    assert set(dataset.retrieval_scores(q3, ["answer_1:1"], searched=True).values()) == {None}


def test_metrics_by_question_type_with_abstention_and_task_average(data_file):
    dataset = LongMemEvalDataset(path=str(data_file))
    questions = [e.questions[0] for e in dataset.load()]
    predictions = ["Halfords", "three", "not mentioned", "whatever"]
    records = [{"qid": q.qid, "category": q.category, **dataset.score(q, p),
                **dataset.retrieval_scores(q, ["answer_1:1"], searched=True)}
               for q, p in zip(questions, predictions, strict=True)]
    metrics = dataset.aggregate(records)
    assert metrics["contains_by_category"] == {"multi-session": 0.0, "single-session-preference": None,
                                               "single-session-user": 1.0}
    assert metrics["n_by_category"]["single-session-user"] == 2
    assert metrics["contains"] == 2 / 3 and metrics["contains_task_averaged"] == 0.5
    assert metrics["contains_abstention"] == 1.0 and metrics["n_abstention"] == 1
    assert metrics["abstained"] == 0.25 and metrics["scoring_version"] == dataset.scoring_version
    assert metrics["session_recall@10"] == 1.0 and metrics["evidence_recall@10"] == 1.0
    assert "not the official LLM judge" in metrics["answer_metric"]


def test_registered_and_its_config_checks_values():
    assert registered()["longmemeval"] is LongMemEvalDataset
    with pytest.raises(ValueError, match="dataset.variant='xl'"):
        LongMemEvalDatasetConfig(variant="xl")
    with pytest.raises(ValueError, match="dataset.question_types"):
        LongMemEvalDatasetConfig(question_types=["trivia"])
    with pytest.raises(ValueError, match="dataset.question_sample=0"):
        LongMemEvalDatasetConfig(question_sample=0)


@pytest.mark.slow
def test_run_py_runs_longmemeval_on_a_tiny_file(data_file, tmp_path):
    run_dir = tmp_path / "run"
    command = [sys.executable, str(REPO / "run.py"), "dataset=longmemeval", f"dataset.path={data_file}",
               "memory=memos", "tier=plaintext", "compare_with=[]", "logger=none", "torch_threads=1",
               "task_name=longmemeval", f"hydra.run.dir={run_dir}"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["dataset"] == "longmemeval" and metrics["n"] == 4 and metrics["n_abstention"] == 1
    assert metrics["metric_names"] == ["contains", "abstained"] and 0.0 <= metrics["contains"] <= 1.0
    assert metrics["session_recall@10"] == 1.0  # every turn of two sessions is retrieved at k=10
    records = [json.loads(line) for line in (run_dir / "records.jsonl").read_text().splitlines()]
    assert records[0]["asked_at"] == "2023/05/30 (Tue) 23:40" and records[0]["evidence"] == ["answer_1:1"]
    assert records[0]["evidence_recall@10"] == 1.0 and records[2]["session_recall@10"] is None
    environment = json.loads((run_dir / "environment.json").read_text())
    assert environment["scoring_version"] == 1 and environment["dataset"]["sha256"]

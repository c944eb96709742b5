"""PrefEval: tiny files in the release's layout (three forms, the distractor file) load into one episode per item
and distractor count; malformed files name the file, item and field; preference recall by distractor count and
form; the four-part judgement's prompts and verdict; one run end to end."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from evals.datasets import prefeval_judge as judge
from evals.datasets.base import registered
from evals.datasets.files import DatasetNotFoundError
from evals.datasets.json_fields import DatasetFormatError
from evals.datasets.prefeval import PrefEvalDataset, PrefEvalDatasetConfig
from evals.errors import UserError

REPO = Path(__file__).resolve().parents[3]
PREFERENCE = "I strictly avoid restaurants that serve foods containing gluten."
QUESTION = "I'll be visiting Rome soon. What are some must-try local restaurants you'd recommend for me?"
EXPLICIT = [{"preference": PREFERENCE, "question": QUESTION, "explanation": "Roman cuisine relies on wheat."},
            {"preference": "I dislike crowded places.", "question": "Where should I go on Saturday night?",
             "explanation": "Popular venues are crowded."}]
CHOICE = [{**EXPLICIT[0], "implicit_query": "Lunch near the office?", "options": ["salad bar", "pasta"],
           "conversation": {"query": "What are some good lunch options near the office?",
                            "assistant_options": "1. The salad bar has gluten-free choices. 2. Fresh pasta.",
                            "user_selection": "The salad bar sounds good. The other options don't work for me.",
                            "assistant_acknowledgment": "Got it, the salad bar is a great gluten-free choice."},
           "aligned_op": "The salad bar has gluten-free choices."}]
PERSONA = [{**EXPLICIT[0], "persona": "An elementary school librarian",
            "conversation": {"0": {"user": "Ideas for a reading event?", "assistant": "A book scavenger hunt."},
                             "1": {"user": "I need a gluten-free cafe nearby, I have a severe intolerance.",
                                   "assistant": "Look for bookstores with a gluten-free cafe."}}}]
INTER_TURNS = [{"conversation_id": "a", "model": "claude-1", "turn": 2, "language": "English", "redacted": False,
                "conversation": [{"role": "user", "content": "Convert this to Go."},
                                 {"role": "assistant", "content": "Here is the Go code."},
                                 {"role": "user", "content": "Write 10 tests for it."},
                                 {"role": "assistant", "content": "Here are 10 tests."}]},
               {"conversation_id": "b", "model": "claude-1", "turn": 1, "language": "English", "redacted": False,
                "conversation": [{"role": "user", "content": "What is a monad?"},
                                 {"role": "assistant", "content": "A monoid in the category of endofunctors."}]}]


def _write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


@pytest.fixture()
def release(tmp_path) -> Path:
    """A PrefEval checkout's benchmark_dataset/ with one topic per form and the distractor file."""
    root = tmp_path / "PrefEval" / "benchmark_dataset"
    _write(root / "explicit_preference" / "travel_restaurant.json", EXPLICIT)
    _write(root / "implicit_preference" / "choice-based" / "travel_restaurant.json", CHOICE)
    _write(root / "implicit_preference" / "persona-driven" / "travel_restaurant.json", PERSONA)
    _write(root / "filtered_inter_turns.json", INTER_TURNS)
    return root


def test_each_item_is_an_episode_per_distractor_count(release):
    episodes = PrefEvalDataset(path=str(release.parent), distractor_turns=[0, 2]).load()  # the repository root
    assert [e.episode_id for e in episodes] == [
        "explicit-travel_restaurant-0-0", "explicit-travel_restaurant-0-2", "explicit-travel_restaurant-1-0",
        "explicit-travel_restaurant-1-2", "choice-travel_restaurant-0-0", "choice-travel_restaurant-0-2",
        "persona-travel_restaurant-0-0", "persona-travel_restaurant-0-2"]
    zero, two = episodes[0], episodes[1]
    assert [(e.event_id, e.speaker, e.text) for e in zero.events] == [("pref:1", "user", PREFERENCE)]
    assert [e.event_id for e in two.events] == ["pref:1", "inter:1", "inter:2", "inter:3", "inter:4"]
    assert two.events[3].memory_line() == "user: Write 10 tests for it."
    (question,) = two.questions
    assert (question.qid, question.category, question.answer) == ("explicit:travel_restaurant:0:2", 2, PREFERENCE)
    assert question.evidence == ("pref:1",) and question.meta["form"] == "explicit"
    assert two.instruction == "You are a helpful assistant." and two.max_answer_tokens == 300


def test_implicit_forms_keep_the_conversation_that_reveals_the_preference(release):
    episodes = PrefEvalDataset(path=str(release), forms=["choice", "persona"], distractor_turns=[3]).load()
    choice, persona = episodes
    assert [(e.speaker, e.text.split()[0]) for e in choice.events[:4]] == [
        ("user", "What"), ("assistant", "1."), ("user", "The"), ("assistant", "Got")]
    assert choice.questions[0].evidence == ("pref:1", "pref:2", "pref:3", "pref:4")
    assert [e.event_id for e in persona.events] == ["pref:1", "pref:2", "pref:3", "pref:4", *(
        f"inter:{i}" for i in range(1, 7))]
    assert persona.events[8].text == "What is a monad?"  # the distractors run on into the next conversation


def test_a_lone_topic_file_its_form_and_the_selection_options(release, tmp_path):
    lone = PrefEvalDataset(path=str(release / "implicit_preference" / "persona-driven" / "travel_restaurant.json"),
                           distractor_turns=[0, 1])
    assert [e.episode_id for e in lone.load()] == ["persona-travel_restaurant-0-0", "persona-travel_restaurant-0-1"]
    assert lone.inter_turns_file == release / "filtered_inter_turns.json"  # found beside the data
    sampled = PrefEvalDataset(path=str(release), forms=["explicit"], distractor_turns=[0], item_sample=1,
                              sample_seed=3).load()
    assert len(sampled) == 1
    assert len(PrefEvalDataset(path=str(release), max_items=1, distractor_turns=[0]).load()) == 3
    with pytest.raises(UserError, match=r"no PrefEval topic file .* \(found \['travel_restaurant'\]\)"):
        _ = PrefEvalDataset(path=str(release), topics=["shop_fashion"]).topic_files
    alone = _write(tmp_path / "mine" / "explicit.json", EXPLICIT)
    with pytest.raises(DatasetNotFoundError, match="no filtered_inter_turns.json beside .*dataset.inter_turns_path"):
        PrefEvalDataset(path=str(alone)).load()
    assert len(PrefEvalDataset(path=str(alone), distractor_turns=[0]).load()) == 2


def test_the_env_var_finds_the_data_and_a_missing_form_is_named(release, monkeypatch):
    monkeypatch.setenv("MEMOS_LAB_PREFEVAL", str(release))
    assert PrefEvalDataset().path == release
    (release / "implicit_preference" / "persona-driven" / "travel_restaurant.json").unlink()
    (release / "implicit_preference" / "persona-driven").rmdir()
    assert {f.form for f in PrefEvalDataset().topic_files} == {"explicit", "choice"}  # forms=None: those present
    with pytest.raises(DatasetNotFoundError, match="has no implicit_preference/persona-driven/"):
        _ = PrefEvalDataset(forms=["persona"]).topic_files


@pytest.mark.parametrize(("relative", "data", "message"), [
    ("explicit_preference/travel_restaurant.json", [{"question": QUESTION}],
     r"travel_restaurant\.json: item 0: missing field 'preference'"),
    ("implicit_preference/choice-based/travel_restaurant.json", [{**CHOICE[0], "conversation": ["hi"]}],
     r"item 0: field 'conversation' must be an object, got list"),
    ("implicit_preference/persona-driven/travel_restaurant.json",
     [{**PERSONA[0], "conversation": {"0": {"user": "hi"}}}],
     r"item 0, conversation turn '0': missing field 'assistant'"),
    ("filtered_inter_turns.json", [{"conversation": [{"role": "assistant", "content": "hello"},
                                                     {"role": "user", "content": "hi"}] * 2}],
     r"filtered_inter_turns\.json: item 0, message 1: role 'assistant' where a distractor turn needs 'user'"),
    ("filtered_inter_turns.json", INTER_TURNS[1:],
     r"holds 1 distractor turn\(s\), dataset.distractor_turns asks for 2"),
    ("filtered_inter_turns.json", {"conversation": []}, r"expected a JSON list of distractor conversations"),
])
def test_a_malformed_file_names_the_file_the_item_and_the_field(release, relative, data, message):
    _write(release / relative, data)
    with pytest.raises(DatasetFormatError, match=message):
        PrefEvalDataset(path=str(release), distractor_turns=[0, 2]).load()


def test_preference_recall_is_any_preference_event_in_the_top_k(release):
    dataset = PrefEvalDataset(path=str(release), forms=["choice"], distractor_turns=[3])
    (question,) = dataset.load()[0].questions
    late = [f"inter:{i}" for i in range(1, 6)] + ["pref:3"]
    assert dataset.retrieval_scores(question, late, searched=True) == {
        "evidence_recall@5": 0.0, "evidence_recall@10": 0.25, "preference_recall@5": 0.0, "preference_recall@10": 1.0}
    assert set(dataset.retrieval_scores(question, [], searched=False).values()) == {None}
    assert dataset.score(question, "Try the salad bar.") == {}  # answers are the judge's to score


def test_metrics_by_distractor_count_and_by_form(release):
    dataset = PrefEvalDataset(path=str(release), distractor_turns=[0, 3])
    records = []
    for episode in dataset.load():
        (question,) = episode.questions
        found = ["pref:1"] if question.category == 0 or question.meta["form"] == "persona" else ["inter:1"]
        records.append({"qid": question.qid, "category": question.category,
                        **dataset.retrieval_scores(question, found, searched=True)})
    metrics = dataset.aggregate(records)
    assert metrics["n"] == 8 and metrics["n_by_category"] == {"0": 4, "3": 4}
    assert metrics["preference_recall@10_by_category"] == {"0": 1.0, "3": 0.25}
    assert metrics["preference_recall@10_by_form"] == {"explicit": 0.5, "choice": 0.5, "persona": 1.0}
    assert metrics["preference_recall@5_by_form_and_turns"]["explicit"] == {"0": 1.0, "3": 0.0}
    assert metrics["n_by_form"] == {"explicit": 4, "choice": 2, "persona": 2}
    assert metrics["preference_recall@10"] == 5 / 8 and "judge" in metrics["answer_metric"]


def test_registered_and_its_config_checks_values():
    assert registered()["prefeval"] is PrefEvalDataset
    with pytest.raises(ValueError, match="dataset.forms=\\['implicit'\\]"):
        PrefEvalDatasetConfig(forms=["implicit"])
    with pytest.raises(ValueError, match="dataset.distractor_turns=\\[0, 0\\]"):
        PrefEvalDatasetConfig(distractor_turns=[0, 0])
    with pytest.raises(ValueError, match="dataset.item_sample=0"):
        PrefEvalDatasetConfig(item_sample=0)


UPSTREAM_SHA256 = {  # of amazon-science/PrefEval error_type/check_*.txt at the commit prefeval_judge.SOURCE names
    "violate": "bc5f62437604e875075f861f60c89a912b9562a54e3969c3394af8ab6c6a6b16",
    "acknow": "82d7a34883a681bf089aa38f02bfd4fcc2a6cca38f82e2ae139a75714a8a7503",
    "hallucinate": "2cff58730a87653365ff8bff275a2b0f0fbfb11525b966f3ffef9d53dd30f251",
    "helpful": "5f09a40ea8f3c9f967a9868527b47daeab540c1b22717b95b10d8f5ee0e27b16",
}


def test_the_judge_prompts_are_upstream_verbatim_and_fill_every_field():
    assert {name: hashlib.sha256(t.encode()).hexdigest() for name, (t, _) in judge.CHECKS.items()} == UPSTREAM_SHA256
    for name in judge.CHECKS:
        prompt = judge.check_prompt(name, PREFERENCE, QUESTION, "Try {pizza}.", restatement="no gluten")
        assert "{preference}" not in prompt and "{question}" not in prompt and "{end_generation}" not in prompt
        assert "{assistant_restatement}" not in prompt
    assert "Assistant response: Try {pizza}." in judge.check_prompt("violate", PREFERENCE, QUESTION, "Try {pizza}.")
    reply = "<preference>Since you avoid gluten</preference>\n<answer> Yes </answer>"
    assert judge.reply_tag(reply, "preference") == "Since you avoid gluten"
    assert judge.reply_tag(reply, "answer") == "Yes"
    assert judge.reply_tag("no tags", "answer") == ""


@pytest.mark.parametrize(("answers", "follows", "error"), [
    ({"acknow": "Yes", "hallucinate": "No", "violate": "No", "helpful": "Yes"}, True, None),
    ({"acknow": "No", "hallucinate": "Yes", "violate": "No", "helpful": "Yes"}, True, None),  # no ack: no hallucination
    ({"acknow": "Yes", "hallucinate": "No", "violate": "Yes", "helpful": "Yes"}, False, "inconsistent"),
    ({"acknow": "Yes", "hallucinate": "Yes", "violate": "Yes", "helpful": "Yes"}, False, "hallucinated_violation"),
    ({"acknow": "No", "hallucinate": "No", "violate": "Yes", "helpful": "Yes"}, False, "unaware_violation"),
    ({"acknow": "No", "hallucinate": "No", "violate": "Yes", "helpful": "No"}, False, "unhelpful"),
])
def test_the_verdict_combines_the_four_checks_as_upstream(answers, follows, error):
    verdict = judge.preference_following(answers)
    assert verdict["follows_preference"] is follows
    errors = [k for k in ("inconsistent", "hallucinated_violation", "unaware_violation", "unhelpful") if verdict[k]]
    assert errors == ([] if error is None else [error])


@pytest.mark.slow
def test_run_py_runs_prefeval_on_tiny_files(release, tmp_path):
    run_dir = tmp_path / "run"
    command = [sys.executable, str(REPO / "run.py"), "dataset=prefeval", f"dataset.path={release}",
               "dataset.forms=[explicit,persona]", "dataset.distractor_turns=[0,2]", "dataset.max_answer_tokens=8",
               "memory=memos", "tier=plaintext", "memory.top_k=2", "compare_with=[]", "logger=none",
               "torch_threads=1", "task_name=prefeval", f"hydra.run.dir={run_dir}"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["dataset"] == "prefeval" and metrics["n"] == 6 and metrics["n_by_category"] == {"0": 3, "2": 3}
    assert metrics["preference_recall@10_by_category"]["0"] == 1.0  # the preference is all there is to find
    assert set(metrics["n_by_form"]) == {"explicit", "persona"}
    records = [json.loads(line) for line in (run_dir / "records.jsonl").read_text().splitlines()]
    assert all(r["gold"] and r["preference_recall@5"] in (0.0, 1.0) for r in records)
    assert json.loads((run_dir / "environment.json").read_text())["scoring_version"] == 1

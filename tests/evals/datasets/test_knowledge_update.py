"""The knowledge-update dataset: seeded, on the contract, its questions grounded in its events, scored exactly."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from evals.datasets.base import registered
from evals.datasets.knowledge_update import scoring
from evals.datasets.knowledge_update.dataset import KnowledgeUpdateDataset, KnowledgeUpdateDatasetConfig
from evals.datasets.knowledge_update.timeline import make_users
from memos_lab.tiers.plaintext.dates import parse_date
from tests.config_helpers import compose_config

REPO = Path(__file__).resolve().parents[3]


def test_registered_and_composed_from_its_yaml():
    assert registered()["knowledge_update"] is KnowledgeUpdateDataset
    cfg = compose_config(["dataset=knowledge_update", "seed=3"])
    assert cfg.dataset.users == 5 and cfg.dataset.seed == 3


def test_the_same_seed_gives_the_same_episodes_and_another_seed_others():
    one, two = KnowledgeUpdateDataset(users=3), KnowledgeUpdateDataset(users=3)
    assert one.load() == two.load() and one.sha256 == two.sha256
    assert KnowledgeUpdateDataset(users=3, seed=1).sha256 != one.sha256


def test_the_question_mix_follows_the_options():
    episodes = KnowledgeUpdateDataset(users=4, facts_per_user=2, changes_per_fact=3, sessions=5, past_per_fact=2,
                                      abstain_per_user=2).load()
    counts = Counter(q.category for e in episodes for q in e.questions)
    assert counts == {"current": 8, "past": 16, "abstain": 8}
    only = KnowledgeUpdateDataset(users=2, categories=["abstain"]).load()
    assert {q.category for e in only for q in e.questions} == {"abstain"}


def test_every_gold_value_is_stated_by_its_evidence_and_holds_on_the_day_asked():
    for episode in KnowledgeUpdateDataset(users=5, seed=7).load():
        events = {e.event_id: e for e in episode.events}
        last = max(parse_date(e.time) for e in episode.events)
        for q in episode.questions:
            assert parse_date(q.asked_at) > last
            if q.category == "abstain":
                assert q.evidence == () and q.answer == scoring.ABSTAIN
                continue
            assert q.evidence and all(q.answer in events[e].text for e in q.evidence)
            history = q.meta["history"]
            if q.category == "current":
                assert q.answer == history[-1]
            else:
                assert q.answer in history[:-1]
                stated = parse_date(events[q.evidence[0]].time)
                changed = _when_next_value_stated(episode, history, q.answer)
                assert stated < parse_date(q.question) < changed


def _when_next_value_stated(episode, history, value) -> date:
    following = history[history.index(value) + 1]
    return min(parse_date(e.time) for e in episode.events if following in e.text)


def test_facts_change_in_later_sessions_and_unstated_attributes_are_never_mentioned():
    for user in make_users(4, 3, 2, 4, seed=0):
        for history in user.facts.values():
            days = [day for _, day, _ in history.values]
            assert days == sorted(days) and len(set(days)) == 3
        assert len(user.unstated) == 3 and not any(s.attribute in user.unstated for s in user.statements)


@pytest.mark.parametrize(("prediction", "category", "expected"), [
    ("Lyon", "current", {"accuracy": 1.0, "stale": 0.0, "wrong_time": None}),
    ("She lives in Lyon now.", "current", {"accuracy": 1.0, "stale": 0.0, "wrong_time": None}),
    ("Paris", "current", {"accuracy": 0.0, "stale": 1.0, "wrong_time": None}),
    ("Paris, then Lyon", "current", {"accuracy": 0.0, "stale": 1.0, "wrong_time": None}),  # a hedge is no answer
    ("Lyonnais", "current", {"accuracy": 0.0, "stale": 0.0, "wrong_time": None}),  # whole words only
    ("Lyon", "past", {"accuracy": 1.0, "stale": None, "wrong_time": 0.0}),
    ("Porto", "past", {"accuracy": 0.0, "stale": None, "wrong_time": 1.0}),
    ("No information available.", "abstain", {"accuracy": 1.0, "stale": None, "wrong_time": None}),
    ("Paris", "abstain", {"accuracy": 0.0, "stale": None, "wrong_time": None}),
])
def test_scoring_is_exact(prediction, category, expected):
    assert scoring.score(prediction, category, "Lyon", ["Paris", "Lyon", "Porto"]) == expected


@pytest.mark.parametrize(("override", "key"), [
    ({"users": 0}, "dataset.users"), ({"changes_per_fact": 4, "sessions": 4}, "dataset.changes_per_fact"),
    ({"categories": ["future"]}, "dataset.categories"), ({"past_per_fact": 3}, "dataset.past_per_fact"),
    ({"facts_per_user": 6, "abstain_per_user": 1}, "dataset.abstain_per_user"),
])
def test_bad_options_are_refused_naming_the_key(override, key):
    with pytest.raises(ValueError, match=key):
        KnowledgeUpdateDatasetConfig(**override)


@pytest.mark.slow
def test_a_fused_run_reports_its_fusion_and_serves_past_values_on_their_day(tmp_path):
    run_dir = tmp_path / "run"
    command = [sys.executable, str(REPO / "run.py"), "dataset=knowledge_update", "dataset.users=2", "fusion=text_merge",
               "memory.top_k=3", "tier.max_new_tokens=4", "compare_with=[]", "logger=none", "torch_threads=1",
               f"hydra.run.dir={run_dir}"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["fusion"]["operators"] == ["fuse.text_merge"] and metrics["fusion"]["superseded"] > 0
    records = [json.loads(line) for line in (run_dir / "records.jsonl").read_text().splitlines()]
    past = [r["evidence_recall@10"] for r in records if r["category"] == "past"]
    assert past and sum(past) / len(past) >= 0.5  # superseded, yet served on the day asked

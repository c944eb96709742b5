"""Workloads are seeded, give unique qids to repeats, and drift as configured."""

from __future__ import annotations

from collections import Counter

from evals.datasets.episode import Episode, MemoryEvent, Question
from evals.workloads.locomo_replay import LocomoReplay
from evals.workloads.zipf_drift import ZipfDrift


def _conversation() -> Episode:
    events = tuple(MemoryEvent(f"D1:{i}", f"turn {i}", time="1 May 2023", speaker="A", session="1")
                   for i in range(1, 6))
    questions = tuple(Question(f"7:q{i}", f"q{i}?", (f"a{i}",), 4, (f"D1:{i}",)) for i in range(1, 6))
    return Episode("locomo", "7", events, questions)


def test_zipf_drift_is_seeded_and_repeats_get_unique_qids():
    first, again = ZipfDrift(memories=50, queries=40, seed=3)(), ZipfDrift(memories=50, queries=40, seed=3)()
    assert [q.qid for q in first[0].questions] == [q.qid for q in again[0].questions]
    qids = [q.qid for q in first[0].questions]
    assert len(qids) == len(set(qids)) == 40
    assert len(first[0].events) == 50 and all(q.evidence[0].startswith("D1:") for q in first[0].questions)
    assert [q.qid for q in ZipfDrift(memories=50, queries=40, seed=4)()[0].questions] != qids


def test_zipf_drift_shifts_the_popular_set():
    stream = ZipfDrift(memories=100, queries=200, drift_every=100, exponent=1.5, seed=0)()[0].questions
    top = [Counter(q.evidence[0] for q in part).most_common(3) for part in (stream[:100], stream[100:])]
    assert {k for k, _ in top[0]} != {k for k, _ in top[1]}
    assert top[0][0][1] > 10  # Zipf: the favourite comes back often


def test_locomo_replay_repeats_the_conversations_questions():
    replay = LocomoReplay(queries=30, exponent=1.2, seed=0)([_conversation()])[0]
    assert len(replay.questions) == 30 and len({q.qid for q in replay.questions}) == 30
    originals = Counter(q.qid.split("#")[0] for q in replay.questions)
    assert set(originals) <= {f"7:q{i}" for i in range(1, 6)} and max(originals.values()) > 6
    assert replay.events == _conversation().events

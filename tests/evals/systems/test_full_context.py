from evals.datasets.episode import MemoryEvent
from evals.systems.full_context import FullContext, ends_that_fit, newest_that_fit


def _words(text: str) -> int:
    return len(text.split())


def test_newest_events_that_fit_are_kept_in_order(locomo_episodes):
    events = locomo_episodes["26"].events
    kept = newest_that_fit(events, _words, budget=300)
    assert kept and kept[-1] == events[-1]
    assert list(kept) == list(events[len(events) - len(kept):])
    assert sum(_words(e.memory_line()) + 2 for e in kept) <= 300


def test_middle_truncation_keeps_both_ends_within_the_budget():
    events = [MemoryEvent(f"c{i}", f"chunk {i} " + "word " * 8) for i in range(40)]
    kept = ends_that_fit(events, _words, budget=120)
    ids = [e.event_id for e in kept]
    assert ids[0] == "c0" and ids[-1] == "c39" and "c20" not in ids
    assert ids == sorted(ids, key=lambda i: int(i[1:]))  # document order
    assert sum(_words(e.memory_line()) + 2 for e in kept) <= 120


def test_prefix_cached_answers_equal_plain_prompting(smollm2, locomo_episodes):
    episode = locomo_episodes["26"]
    system = FullContext(smollm2, max_new_tokens=12, reserve_tokens=smollm2.context_window - 400, check_questions=3)
    system.ingest(episode)
    answers = [system.answer(q) for q in episode.questions[:3]]
    assert all(a.extras["kv_equals_plain"] for a in answers)
    assert all(a.extras["kv_reused_tokens"] > 300 for a in answers)
    assert system.events_in_context[-1] == episode.events[-1].event_id
    assert system.bytes_stored()["activation"] > 0


def test_a_restored_episode_counts_the_bytes_its_prefill_would(smollm2, locomo_episodes):
    """A resumed run restores the episodes it answered before without pre-filling them again."""
    episode = locomo_episodes["26"]
    built, restored = (FullContext(smollm2, reserve_tokens=smollm2.context_window - 400) for _ in range(2))
    built.ingest(episode)
    restored.restore(episode)
    assert restored.bytes_stored() == built.bytes_stored() and built.bytes_stored()["activation"] > 0
    assert restored.kv is None  # nothing was pre-filled

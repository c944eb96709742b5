from evals.systems.base import turn_line
from evals.systems.full_context import FullContext, newest_that_fit


def test_newest_turns_that_fit_are_kept_in_order(locomo):
    turns = locomo["26"].turns
    kept = newest_that_fit(turns, lambda text: len(text.split()), budget=300)
    assert kept and kept[-1] == turns[-1]
    assert list(kept) == list(turns[len(turns) - len(kept):])
    assert sum(len(turn_line(t).split()) + 2 for t in kept) <= 300


def test_prefix_cached_answers_equal_plain_prompting(smollm2, locomo):
    conversation = locomo["26"]
    system = FullContext(smollm2, max_new_tokens=12, reserve_tokens=smollm2.context_window - 400, check_questions=3)
    system.ingest(conversation)
    answers = [system.answer(q) for q in conversation.questions[:3]]
    assert all(a.extras["kv_equals_plain"] for a in answers)
    assert all(a.extras["kv_reused_tokens"] > 300 for a in answers)
    assert system.turns_in_context[-1] == conversation.turns[-1].dia_id
    assert system.bytes_stored()["activation"] > 0

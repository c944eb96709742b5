"""ActivationTier: hot memories as KV, retrieved text after them, same answers as plain prompting."""

from __future__ import annotations

import pytest
from config_helpers import group_node
from hydra.utils import instantiate

from memos_lab.cube import Kind, plaintext_cube
from memos_lab.prompts import MemoryPrompt, format_memories
from memos_lab.tiers.activation.serialize import kv_from_cube
from memos_lab.tiers.activation.tier import ActivationTier

NS, ACTOR = "conv-1", "speakers-1"


@pytest.fixture(scope="module")
def cubes(memories):
    return [plaintext_cube(text, namespace=NS, owner=ACTOR, now=1000.0 + i) for i, text in enumerate(memories)]


def tier(model, store, **kw) -> ActivationTier:
    return ActivationTier(model=model, store=store, max_new_tokens=12, **kw)


def test_kv_answers_equal_plain_prompting_with_the_same_text(model, store, cubes, questions):
    kv_tier = tier(model, store, max_tokens=60, min_tokens=1)  # the newest memories that fit 60 tokens are hot
    kv_tier.prepare(NS, ACTOR, cubes)
    hot = kv_tier.hot(NS).cubes
    assert 0 < len(hot) < len(cubes) and [c.id for c in hot] == [c.id for c in cubes[-len(hot) :]]
    retrieved = [cubes[0], hot[0]]  # one cold memory, one already hot (not repeated)
    for question in questions[:2]:
        response = kv_tier.respond(NS, ACTOR, question, retrieved)
        text = format_memories([c.text for c in (*hot, cubes[0])])
        plain = model.generate_ids(model.chat_ids(MemoryPrompt(text, question).messages()), max_new_tokens=12)
        assert response.text == plain.text and response.prompt_tokens == plain.prompt_tokens
        extras = response.extras
        assert extras["mode"] == "kv" and extras["retrieved_added"] == 1
        assert extras["kv_tokens"] - 3 <= extras["reused_tokens"] < extras["kv_tokens"]
        assert extras["kv_bytes"] == kv_tier.bytes_stored() > 0 and response.ttft_s > 0


def test_below_break_even_it_prompts_plainly_with_the_same_answer(model, store, cubes, questions):
    store.put_many(cubes, ACTOR)
    plain_tier, kv_tier = tier(model, store, min_tokens=10_000), tier(model, store, min_tokens=1)
    answers = []
    for t in (plain_tier, kv_tier):
        t.prepare(NS, ACTOR, cubes)
        answers.append(t.respond(NS, ACTOR, questions[2], []))
    assert [a.extras["mode"] for a in answers] == ["plain", "kv"]
    assert answers[0].text == answers[1].text and plain_tier.bytes_stored() == 0


def test_the_kv_cube_is_stored_once_and_reused(model, store, cubes):
    first = tier(model, store, min_tokens=1)
    first.prepare(NS, ACTOR, cubes)
    first.prepare(NS, ACTOR, cubes)
    (stored,) = store.list(ACTOR, namespace=NS, kind=Kind.ACTIVATION)
    assert first.hot(NS).kv_cube_id == stored.id
    assert stored.provenance.derived_from == tuple(c.id for c in cubes)
    resumed = tier(model, store, min_tokens=1)  # a new process on the same store loads it
    resumed.prepare(NS, ACTOR, cubes)
    assert resumed.hot(NS).kv_cube_id == stored.id and len(store.list(ACTOR, namespace=NS, kind=Kind.ACTIVATION)) == 1
    assert kv_from_cube(store.get(stored.id, ACTOR), model).token_ids == first.hot(NS).token_ids


def test_a_namespace_not_resident_is_read_back_from_the_store(model, store, cubes, questions):
    """max_resident=1: preparing a second namespace evicts the first's KV from memory, not from the store."""
    one = tier(model, store, min_tokens=1, max_resident=1)
    one.prepare(NS, ACTOR, cubes)
    before = one.respond(NS, ACTOR, questions[1], [])
    one.prepare("conv-2", ACTOR, [c.replace_header(id=c.id + "-2", namespace="conv-2") for c in cubes[:2]])
    assert list(one._resident) == ["conv-2"]
    after = one.respond(NS, ACTOR, questions[1], [])
    assert list(one._resident) == [NS]
    assert after.text == before.text and after.extras["kv_cube_id"] == before.extras["kv_cube_id"]


def test_unprepared_namespace_prompts_plainly(model, store, cubes, questions):
    response = tier(model, store).respond("other", ACTOR, questions[0], cubes[:1])
    assert response.extras["mode"] == "plain" and response.extras["hot_memories"] == 0


def test_hydra_node_builds_the_tier_and_refuses_bad_values(model, store):
    node = group_node("tier", "kv")
    built = instantiate(node)(model=model, store=store)
    assert isinstance(built, ActivationTier) and built.max_tokens == node.max_tokens
    assert built.select_hot([], 10) == []
    node.min_tokens = -1
    with pytest.raises(ValueError, match="min_tokens=-1"):
        instantiate(node)(model=model, store=store)

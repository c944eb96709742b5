"""fusion=kv_concat: retrieved memories served as stored KV pieces composed behind the prefix, not re-read as text."""

from __future__ import annotations

import pytest

from memos_lab.cube import Kind, plaintext_cube
from memos_lab.operators.kv_concat import KVConcat
from memos_lab.tiers.activation.tier import ActivationTier
from memos_lab.tiers.plaintext.tier import PlaintextTier

NS, ACTOR = "conv-c", "speakers-c"


@pytest.fixture(scope="module")
def cubes(memories):
    return [plaintext_cube(text, namespace=NS, owner=ACTOR, now=3000.0 + i) for i, text in enumerate(memories)]


@pytest.fixture()
def stored(store, cubes):
    store.put_many(cubes, ACTOR)
    return store


def _tier(model, store, concat: bool) -> ActivationTier:
    tier = ActivationTier(model=model, store=store, max_new_tokens=12, max_tokens=64)
    if concat:
        KVConcat().attach(tier)
    tier.prepare(NS, ACTOR, [])  # nothing resident: every retrieved memory is an extra line
    return tier


def test_one_retrieved_memory_as_a_piece_answers_as_prompting_does(model, stored, cubes, questions):
    plain, fused = _tier(model, stored, False), _tier(model, stored, True)
    answers = [tier.respond(NS, ACTOR, questions[0], cubes[1:2]) for tier in (plain, fused)]
    assert answers[0].text == answers[1].text  # compose([header, piece]) is the prefill of header ++ piece
    assert answers[0].extras["reused_tokens"] == 0 and answers[1].extras["reused_tokens"] > 10
    assert answers[1].extras["concat_pieces"] == 1 and answers[1].extras["pieces_built"] == 1


def test_pieces_are_built_once_stored_and_read_back(model, stored, cubes, questions):
    tier = _tier(model, stored, True)
    first = tier.respond(NS, ACTOR, questions[1], cubes[:3]).extras
    again = tier.respond(NS, ACTOR, questions[2], cubes[1:4]).extras
    assert (first["pieces_built"], first["pieces_loaded"]) == (3, 0)
    assert (again["pieces_built"], again["pieces_loaded"]) == (1, 0)  # the last query's pieces stay in memory
    back = tier.respond(NS, ACTOR, questions[0], cubes[:1]).extras
    assert (back["pieces_built"], back["pieces_loaded"]) == (0, 1)  # dropped from memory, read back from the store
    pieces = stored.list(ACTOR, namespace=NS, kind=Kind.ACTIVATION)
    assert sorted(h.provenance.derived_from[0] for h in pieces) == sorted(c.id for c in cubes)
    assert tier.bytes_stored() == sum(h.size_bytes for h in pieces) > 0
    # the whole composed prefix is reused but the last piece's newline, which merges with the turn's end marker
    assert again["kv_tokens"] - 2 <= again["reused_tokens"] < again["kv_tokens"]


def test_kv_concat_needs_a_tier_with_kv():
    with pytest.raises(ValueError, match="tier=kv or tier=all"):
        KVConcat().attach(PlaintextTier(model=None))

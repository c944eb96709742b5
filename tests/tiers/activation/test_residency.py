"""Scheduled residency: exact vs composed prefixes, their prefill costs, stored pieces, and access checks."""

from __future__ import annotations

import pytest
import torch

from memos_lab.cube import Kind, plaintext_cube
from memos_lab.store.errors import AccessDeniedError
from memos_lab.tiers.activation.tier import ActivationTier

NS, ACTOR = "conv-r", "speakers-r"


@pytest.fixture(scope="module")
def cubes(memories):
    return [plaintext_cube(text, namespace=NS, owner=ACTOR, now=2000.0 + i) for i, text in enumerate(memories)]


def _tier(model, store, mode, **kw) -> ActivationTier:
    return ActivationTier(model=model, store=store, max_new_tokens=12, mode=mode, **kw)


def _stored(store, cubes):
    store.put_many(cubes, ACTOR)
    return cubes


def test_one_resident_memory_composed_equals_exact(model, store, cubes, questions):
    _stored(store, cubes)
    exact, composed = _tier(model, store, "exact"), _tier(model, store, "composed", persist_pieces=False)
    for tier in (exact, composed):
        tier.set_resident(NS, ACTOR, cubes[:1])
    kv_exact, kv_composed = exact._kv(NS, ACTOR, exact.hot(NS)), composed._kv(NS, ACTOR, composed.hot(NS))
    n = kv_composed.num_tokens - 1  # the last newline merges with the turn's end marker in the exact prefill
    assert kv_composed.token_ids[:n] == kv_exact.token_ids[:n]
    assert torch.allclose(kv_composed.keys[5][:, :, :n], kv_exact.keys[5][:, :, :n], atol=1e-4)
    answers = [t.respond(NS, ACTOR, questions[0], cubes[1:2]) for t in (exact, composed)]
    assert answers[0].text == answers[1].text and answers[1].extras["mode"] == "kv"


def test_composed_admission_prefills_one_piece_exact_prefills_everything(model, store, cubes):
    _stored(store, cubes)
    exact, composed = _tier(model, store, "exact"), _tier(model, store, "composed", persist_pieces=False)
    for tier in (exact, composed):
        tier.set_resident(NS, ACTOR, cubes[:3])
    grow_exact = exact.set_resident(NS, ACTOR, cubes)
    grow_composed = composed.set_resident(NS, ACTOR, cubes)
    piece_tokens = composed.memory_tokens(cubes[3])
    assert grow_composed.built.prefill_tokens == piece_tokens and grow_composed.built.pieces_built == 1
    assert grow_exact.built.prefill_tokens == grow_exact.kv_tokens > 4 * piece_tokens
    assert not composed.set_resident(NS, ACTOR, cubes).changed  # the same set again costs nothing


def test_recomputing_whole_pieces_gives_the_exact_prefix(model, store, cubes):
    _stored(store, cubes)
    exact = _tier(model, store, "exact")
    repaired = _tier(model, store, "composed", persist_pieces=False, recompute_tokens=1000)
    plain = _tier(model, store, "composed", persist_pieces=False)
    kvs = []
    for tier in (exact, repaired, plain):
        tier.set_resident(NS, ACTOR, cubes)
        kvs.append(tier._kv(NS, ACTOR, tier.hot(NS)))
    n = kvs[1].num_tokens - 1
    repaired_error = (kvs[1].values[-1][:, :, :n] - kvs[0].values[-1][:, :, :n]).abs().max()
    composed_error = (kvs[2].values[-1][:, :, :n] - kvs[0].values[-1][:, :, :n]).abs().max()
    assert repaired_error < 1e-3 < composed_error


def test_pieces_are_stored_cubes_reloaded_on_readmission_and_counted(model, store, cubes):
    _stored(store, cubes)
    tier = _tier(model, store, "composed")
    tier.set_resident(NS, ACTOR, cubes[:2])
    pieces = store.list(ACTOR, namespace=NS, kind=Kind.ACTIVATION)
    assert sorted(p.provenance.derived_from[0] for p in pieces) == sorted(c.id for c in cubes[:2])
    assert all(p.provenance.operator == "activation.piece" for p in pieces)
    tier.set_resident(NS, ACTOR, cubes[1:2])  # cubes[0] evicted
    back = tier.set_resident(NS, ACTOR, cubes[:2])
    assert back.built.pieces_loaded == 1 and back.built.pieces_built == 0
    stored_bytes = sum(p.size_bytes for p in store.list(ACTOR, namespace=NS, kind=Kind.ACTIVATION))
    assert tier.bytes_stored() == tier.hot(NS).kv_bytes + stored_bytes  # the resident prefix and every stored piece


@pytest.mark.parametrize("mode", ["exact", "composed"])
def test_an_outsider_is_refused_in_every_state(model, store, cubes, questions, mode):
    _stored(store, cubes)
    tier = _tier(model, store, mode)
    ask = lambda: tier.respond(NS, "outsider", questions[0], [])  # noqa: E731
    # fresh: the tier holds nothing of the namespace; the facade refuses the outsider (test_outsider_probes)
    tier.set_resident(NS, ACTOR, cubes[:2])
    tier.respond(NS, ACTOR, questions[0], [])  # the owner's answer makes the prefix resident
    with pytest.raises(AccessDeniedError):
        ask()  # resident
    tier._resident.clear()
    with pytest.raises(AccessDeniedError):
        ask()  # dropped from memory, rebuilt on demand
    with pytest.raises(AccessDeniedError):
        tier.set_resident(NS, "outsider", cubes[:1])

"""Migration rules over the real store, models and tiers: every move versions its cubes with provenance
(rule, sources, time) and a legal lifecycle transition; a retired adapter no longer answers."""

from __future__ import annotations

import time
from functools import partial

import pytest

from memos_lab.cube import Kind, Lifecycle
from memos_lab.lifecycle import can_transition
from memos_lab.memos import MemoryItem, MemOS
from memos_lab.scheduling.migration import build
from memos_lab.scheduling.policies.lru import LRU
from memos_lab.scheduling.scheduler import MemScheduler
from memos_lab.store import CubeStore
from memos_lab.tiers.activation.tier import ActivationTier
from memos_lab.tiers.composite.tier import AllTier
from memos_lab.tiers.parameter.tier import ParameterTier
from memos_lab.tiers.plaintext.retriever import Retriever

NS, ACTOR = "migrate", "migrate-owner"
FACTS = ["Ada keeps a parrot called Pickle.", "Ben works as a baker in Lyon.", "Cleo plays the cello on Sundays.",
         "Dev lives in Oslo near the harbour."]
TINY = {"rank": 4, "alpha": 8.0, "steps": 5, "warmup_steps": 0, "batch_size": 4, "target_modules": ["q_proj", "v_proj"]}

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _memos(tmp_path, smollm2, minilm, rules, kv_tokens=40, clock=None) -> MemOS:
    store = CubeStore(tmp_path / "store", **({"clock": clock} if clock else {}))
    tier = AllTier(smollm2, store, partial(ActivationTier, max_new_tokens=4, mode="composed"),
                   partial(ParameterTier, distil=TINY, max_new_tokens=4, progress=False))
    migration = [build(name, **params) for name, params in rules]
    scheduler = partial(MemScheduler, policy=LRU, kv_tokens=kv_tokens, migration=migration)
    memos = MemOS(store, Retriever(minilm), tier, top_k=1, scheduler=scheduler, count_tokens=smollm2.count_tokens)
    memos.remember([MemoryItem(f) for f in FACTS], NS, ACTOR)
    memos.commit(NS, ACTOR)
    return memos


def _migrations(store, cube_id):
    """The (rule, state) of each version that records a migration."""
    return [(h.meta["migration"]["rule"], h.state) for h in store.history(cube_id, ACTOR) if "migration" in h.meta]


def _legal(store, cube_id) -> bool:
    states = [Lifecycle.GENERATED] + [h.state for h in store.history(cube_id, ACTOR)]
    return all(a == b or can_transition(a, b) for a, b in zip(states, states[1:], strict=False))


def test_promote_then_demote_versions_the_memory_and_archives_its_kv_piece(tmp_path, smollm2, minilm):
    memos = _memos(tmp_path, smollm2, minilm, [("promote_hot", {"k": 2}), ("demote_cold", {})], kv_tokens=12)
    pet = memos.answer("What pet does Ada keep?", NS, ACTOR).retrieved[0]
    assert _migrations(memos.store, pet.id) == []  # one hit: not hot yet
    memos.answer("What pet does Ada keep?", NS, ACTOR)
    piece = memos.tier.piece_of(pet.id)
    assert memos.store.header(pet.id, ACTOR).state is Lifecycle.ACTIVATED
    assert memos.store.header(piece, ACTOR).state is Lifecycle.ACTIVATED
    entry = memos.store.header(pet.id, ACTOR).meta["migration"]
    assert entry["rule"] == "promote_hot" and entry["sources"] == [pet.id] and entry["at"] > 0
    for question in ("Where does Dev live?", "What does Ben do?"):  # a 12-token budget holds one memory
        memos.answer(question, NS, ACTOR)
    assert pet.id not in memos.scheduler.cache
    assert memos.store.header(piece, ACTOR).state is Lifecycle.ARCHIVED  # the KV cube is archived
    assert memos.store.header(pet.id, ACTOR).meta["migration"]["sources"] == [piece]  # the text stays, served
    assert pet.id in memos.store.readable_ids(ACTOR, NS)
    assert [r for r, _ in _migrations(memos.store, pet.id)] == ["promote_hot", "demote_cold"]
    assert _legal(memos.store, pet.id) and _legal(memos.store, piece)
    assert memos.scheduler.summary()["migrations"]["demote_cold"] >= 1


def test_expire_ttl_expires_the_memory_and_takes_it_out_of_the_kv_budget(tmp_path, smollm2, minilm):
    now = [time.time()]  # cubes are created on the wall clock
    memos = _memos(tmp_path, smollm2, minilm, [("expire_ttl", {})], clock=lambda: now[0])
    ttl = memos.store.list(ACTOR, namespace=NS, kind=Kind.PLAINTEXT)[0]
    cube = memos.store.get(ttl.id, ACTOR, touch=False)
    memos.store.update(cube.replace_header(ttl_s=5.0), ACTOR)
    memos.answer(cube.text, NS, ACTOR)
    assert ttl.id in memos.scheduler.cache
    now[0] += 3600
    memos.answer("Where does Dev live?", NS, ACTOR)
    header = memos.store.header(ttl.id, ACTOR)
    assert header.state is Lifecycle.EXPIRED and header.meta["migration"]["rule"] == "expire_ttl"
    assert ttl.id not in memos.scheduler.cache and _legal(memos.store, ttl.id)


def test_distil_stable_then_undistil_a_retired_adapter_no_longer_answers(tmp_path, smollm2, minilm):
    memos = _memos(tmp_path, smollm2, minilm, [("distil_stable", {"window": 1, "min_memories": 1}), ("undistil", {})])
    question = "What pet does Ada keep?"
    pet = memos.answer(question, NS, ACTOR).retrieved[0]
    memos.answer(question, NS, ACTOR)  # resident set unchanged for a tick: distilled
    adapter = memos.tier.parameter.cube_ids[NS]
    header = memos.store.header(adapter, ACTOR)
    assert header.state is Lifecycle.ACTIVATED and pet.id in header.provenance.derived_from
    assert header.meta["migration"]["rule"] == "distil_stable" and pet.id not in memos.scheduler.cache
    served = memos.answer(question, NS, ACTOR).response.extras
    assert served["adapter"] == adapter and served["served_by"] == {pet.id: "parameter"}
    assert served["retrieved_extra"] == []
    memos.store.transition(pet.id, ACTOR, Lifecycle.ARCHIVED)  # superseded (as fusion does)
    memos.answer("Where does Dev live?", NS, ACTOR)  # the tick retires the adapter
    assert memos.store.header(adapter, ACTOR).state is Lifecycle.ARCHIVED
    assert NS not in memos.tier.parameter.cube_ids and memos.tier.parameter.adapter_of(NS) is None
    after = memos.answer("Where does Dev live?", NS, ACTOR).response.extras
    assert after["adapter"] is None and set(after["served_by"].values()) <= {"activation", "plaintext"}
    assert [r for r, _ in _migrations(memos.store, adapter)] == ["distil_stable", "undistil"]
    assert _legal(memos.store, adapter)

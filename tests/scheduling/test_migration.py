"""Migration rules over the real store, models and tiers: every move versions its cubes with provenance
(rule, sources, time) and a legal lifecycle transition; a retired adapter no longer answers."""

from __future__ import annotations

import time
from functools import partial

import pytest

from memos_lab.cube import Kind, Lifecycle
from memos_lab.lifecycle import can_transition
from memos_lab.memos import MemoryItem, MemOS
from memos_lab.operators.lora_merge import LoraMerge
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


def _memos(tmp_path, smollm2, minilm, rules, kv_tokens=40, clock=None, items=None, distil=TINY, merge=None) -> MemOS:
    store = CubeStore(tmp_path / "store", **({"clock": clock} if clock else {}))
    tier = AllTier(smollm2, store, partial(ActivationTier, max_new_tokens=4, mode="composed"),
                   partial(ParameterTier, distil=distil, max_new_tokens=8, progress=False))
    if merge is not None:
        merge.attach(tier)
    migration = [build(name, **params) for name, params in rules]
    scheduler = partial(MemScheduler, policy=LRU, kv_tokens=kv_tokens, migration=migration)
    memos = MemOS(store, Retriever(minilm), tier, top_k=1, scheduler=scheduler, count_tokens=smollm2.count_tokens)
    memos.remember(items or [MemoryItem(f) for f in FACTS], NS, ACTOR)
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
    distil = {"window": 1, "min_memories": 1, "min_recall": 0.0}  # cover every source, recalled or not
    memos = _memos(tmp_path, smollm2, minilm, [("distil_stable", distil), ("undistil", {})])
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


def _distil_twice(memos, question):
    """Two answers with the same resident set: the second tick distils it."""
    memory = memos.answer(question, NS, ACTOR).retrieved[0]
    memos.answer(question, NS, ACTOR)
    return memory


def test_distil_stable_leaves_a_superseded_resident_memory_out_of_the_adapter(tmp_path, smollm2, minilm):
    """History at a date keeps superseded memories resident; distilled, undistil would retire the adapter at once."""
    rules = [("distil_stable", {"window": 1, "min_memories": 1, "min_recall": 0.0}), ("undistil", {})]
    memos = _memos(tmp_path, smollm2, minilm, rules, kv_tokens=200)
    pet = memos.answer("What pet does Ada keep?", NS, ACTOR).retrieved[0]
    memos.store.transition(pet.id, ACTOR, Lifecycle.ARCHIVED)  # superseded after it became resident
    home = _distil_twice(memos, "Where does Dev live?")
    assert pet.id in memos.scheduler.cache
    adapter = memos.store.header(memos.tier.parameter.cube_ids[NS], ACTOR)
    assert adapter.provenance.derived_from == (home.id,) and adapter.state is Lifecycle.ACTIVATED


def test_distil_stable_covers_only_the_memories_its_adapter_recalls(tmp_path, smollm2, minilm):
    distil = {**TINY, "rank": 8, "alpha": 16.0, "steps": 20, "lr": 3e-3}
    rule = {"window": 1, "min_memories": 1, "min_recall": 0.5}
    memos = _memos(tmp_path, smollm2, minilm, [("distil_stable", rule)], kv_tokens=200, distil=distil)
    for question in ("What pet does Ada keep?", "Where does Dev live?"):
        memos.answer(question, NS, ACTOR)
    pet = _distil_twice(memos, "What pet does Ada keep?")
    adapter = memos.tier.parameter.cube_ids[NS]
    header = memos.store.header(adapter, ACTOR)
    recall = header.meta["recall"]
    assert set(recall) == set(header.provenance.derived_from) and pet.id in recall
    assert header.meta["covers"] == sorted(k for k, score in recall.items() if score >= 0.5)
    assert header.meta["covers"], f"20 steps on two facts recall neither: {recall}"
    assert set(memos.scheduler.covered_in(NS)) == set(header.meta["covers"])
    served = memos.answer("What pet does Ada keep?", NS, ACTOR).response.extras["served_by"]
    assert served[pet.id] == ("parameter" if pet.id in header.meta["covers"] else "activation")


def test_an_adapter_that_recalls_nothing_is_retired_and_its_memories_stay_in_the_prompt(tmp_path, smollm2, minilm):
    # answers no 5-step adapter can produce: the probe must fail, and the memories must not leave the prompt
    nonsense = [[[f"What is code {i}?", f"zqxv{i}7731 plonkrit{i}"]] for i in range(len(FACTS))]
    items = [MemoryItem(fact, meta={"qa": qa}) for fact, qa in zip(FACTS, nonsense, strict=True)]
    rules = [("distil_stable", {"window": 1, "min_memories": 1, "min_recall": 0.5})]
    memos = _memos(tmp_path, smollm2, minilm, rules, items=items)
    pet = _distil_twice(memos, "What pet does Ada keep?")
    adapters = memos.store.list(ACTOR, namespace=NS, kind=Kind.PARAMETER)
    assert len(adapters) == 1 and adapters[0].state is Lifecycle.ARCHIVED and _legal(memos.store, adapters[0].id)
    assert adapters[0].meta["covers"] == [] and adapters[0].meta["recall"][pet.id] < 0.5
    assert NS not in memos.tier.parameter.cube_ids and memos.scheduler.covered_in(NS) == []
    extras = memos.answer("What pet does Ada keep?", NS, ACTOR).response.extras
    assert extras["adapter"] is None and extras["served_by"][pet.id] in {"activation", "plaintext"}
    memos.answer("What pet does Ada keep?", NS, ACTOR)  # the same resident set is not distilled again
    assert len(memos.store.list(ACTOR, namespace=NS, kind=Kind.PARAMETER)) == 1
    assert memos.scheduler.summary()["migrations"] == {"distil_stable": 0, "distil_stable.rejected": 1}


def test_lora_merge_grows_the_adapter_by_training_the_new_memory_only(tmp_path, smollm2, minilm):
    rules = [("distil_stable", {"window": 1, "min_memories": 1, "min_recall": 0.0}), ("undistil", {})]
    memos = _memos(tmp_path, smollm2, minilm, rules, kv_tokens=12, merge=LoraMerge(weights=[1.0, 0.5]))
    pet = _distil_twice(memos, "What pet does Ada keep?")
    first = memos.tier.parameter.cube_ids[NS]
    home = _distil_twice(memos, "Where does Dev live?")  # the pet is covered: only Dev's home is new
    merged = memos.store.header(memos.tier.parameter.cube_ids[NS], ACTOR)
    first_h, new = (memos.store.header(i, ACTOR) for i in merged.provenance.derived_from)
    assert first_h.id == first and new.provenance.derived_from == (home.id,)  # trained on the new memory alone
    assert merged.provenance.operator == "merge:cat" and merged.meta["merge"]["weights"] == [1.0, 0.5]
    assert merged.meta["memories"] == sorted([pet.id, home.id]) and merged.state is Lifecycle.ACTIVATED
    assert merged.meta["lora_config"]["r"] == first_h.meta["lora_config"]["r"] + new.meta["lora_config"]["r"]
    assert first_h.state is Lifecycle.MERGED and new.state is Lifecycle.MERGED
    assert all(_legal(memos.store, i) for i in (first, new.id, merged.id))
    served = memos.answer("What pet does Ada keep?", NS, ACTOR).response.extras
    assert served["adapter"] == merged.id and served["served_by"][pet.id] == "parameter"
    memos.store.transition(home.id, ACTOR, Lifecycle.ARCHIVED)  # superseded: the merged adapter stood for it
    memos.answer("What pet does Ada keep?", NS, ACTOR)
    assert memos.store.header(merged.id, ACTOR).state is Lifecycle.ARCHIVED and NS not in memos.tier.parameter.cube_ids


def test_lora_merge_needs_a_tier_with_adapters():
    from memos_lab.tiers.plaintext.tier import PlaintextTier

    with pytest.raises(ValueError, match="tier=all"):
        LoraMerge().attach(PlaintextTier(model=None))
    with pytest.raises(ValueError, match="fusion.lora_merge.weights"):
        LoraMerge(weights=[1.0])

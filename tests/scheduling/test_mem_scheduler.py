"""MemScheduler over the real KV tier, retriever and store: budgets, hits, ticks and the oracle's plan."""

from __future__ import annotations

import random
from functools import partial

import pytest

from memos_lab.memos import MemoryItem, MemOS
from memos_lab.scheduling.policies.lru import LRU
from memos_lab.scheduling.policies.oracle import Oracle
from memos_lab.scheduling.scheduler import MemScheduler
from memos_lab.store import CubeStore
from memos_lab.tiers.activation.tier import ActivationTier
from memos_lab.tiers.plaintext.retriever import Retriever
from memos_lab.tiers.plaintext.tier import PlaintextTier

NS, ACTOR = "sched", "sched-owner"
FACTS = [
    "Ada keeps a parrot called Pickle.", "Ben works as a baker in Lyon.", "Cleo plays the cello on Sundays.",
    "Dev lives in Oslo near the harbour.", "Eve's favourite food is ramen.", "Finn's birthday is on 3 May.",
]
QUESTIONS = ["What pet does Ada keep?", "Where does Dev live?", "What does Ben do?", "What does Cleo play?"]

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _memos(tmp_path, smollm2, minilm, policy=LRU, kv_tokens=40, interval=1, mode="composed") -> MemOS:
    store = CubeStore(tmp_path / "store")
    tier = ActivationTier(model=smollm2, store=store, max_new_tokens=4, mode=mode, persist_pieces=False)
    scheduler = partial(MemScheduler, policy=policy, kv_tokens=kv_tokens, interval=interval)
    memos = MemOS(store, Retriever(minilm), tier, top_k=2, scheduler=scheduler, count_tokens=smollm2.count_tokens)
    memos.remember([MemoryItem(f) for f in FACTS], NS, ACTOR)
    memos.commit(NS, ACTOR)
    return memos


def test_a_repeated_question_is_served_from_kv_and_the_budget_holds(tmp_path, smollm2, minilm):
    memos = _memos(tmp_path, smollm2, minilm)
    first = memos.answer(QUESTIONS[0], NS, ACTOR).scheduling
    again = memos.answer(QUESTIONS[0], NS, ACTOR).scheduling
    assert first["kv_hit_cubes"] == 0 and first["promotions"] == 2
    assert again["kv_hit_cubes"] == again["retrieved_cubes"] == 2
    assert again["kv_hit_tokens"] == again["retrieved_tokens"]
    rng = random.Random(0)
    for _ in range(8):
        fields = memos.answer(rng.choice(QUESTIONS), NS, ACTOR).scheduling
        assert fields["kv_resident_tokens"] <= 40  # never over budget, after any tick
        resident = memos.tier.hot(NS).cubes
        assert sum(memos.tier.memory_tokens(c) for c in resident) == fields["kv_resident_tokens"]
    summary = memos.scheduler.summary()
    assert summary["evictions"] > 0 and summary["kv_resident_tokens_max"] <= 40 and summary["ticks"] == 10


def test_the_scheduler_acts_every_interval_queries(tmp_path, smollm2, minilm):
    memos = _memos(tmp_path, smollm2, minilm, interval=3)
    ticks = [memos.answer(q, NS, ACTOR).scheduling["promotions"] for q in QUESTIONS[:3]]
    assert ticks[:2] == [0, 0] and ticks[2] > 0 and memos.scheduler.totals.ticks == 1


def test_the_oracle_is_told_the_future_by_a_dry_retrieval(tmp_path, smollm2, minilm):
    memos = _memos(tmp_path, smollm2, minilm, policy=Oracle, kv_tokens=30)
    stream = [QUESTIONS[i] for i in (0, 1, 0, 2, 0, 1)]
    memos.plan(stream, NS, ACTOR)
    hits = sum(memos.answer(q, NS, ACTOR).scheduling["kv_hit_cubes"] for q in stream)
    lru = _memos(tmp_path / "lru", smollm2, minilm, kv_tokens=30)
    lru_hits = sum(lru.answer(q, NS, ACTOR).scheduling["kv_hit_cubes"] for q in stream)
    assert hits >= lru_hits


def test_the_scheduler_needs_the_kv_tier_and_one_budget(tmp_path, smollm2):
    with pytest.raises(ValueError, match="tier=kv"):
        MemScheduler(PlaintextTier(smollm2), LRU, kv_tokens=10)
    tier = ActivationTier(model=smollm2, store=CubeStore(tmp_path / "s"))
    with pytest.raises(ValueError, match="exactly one budget"):
        MemScheduler(tier, LRU, kv_tokens=10, kv_bytes=10)


def test_adapter_slots_are_never_exceeded(tmp_path, smollm2, minilm):
    from memos_lab.tiers.parameter.distil import DistilConfig
    from memos_lab.tiers.parameter.tier import ParameterTier

    store = CubeStore(tmp_path / "store")
    tiny = DistilConfig(rank=2, target_modules=["q_proj"], steps=2, warmup_steps=1, batch_size=2)
    tier = ParameterTier(smollm2, store, distil=tiny, max_new_tokens=4, progress=False)
    memos = MemOS(store, Retriever(minilm), tier, top_k=0,
                  scheduler=partial(MemScheduler, policy=LRU, adapter_slots=1))
    loaded = []
    for user in ("u1", "u2", "u1"):
        if not tier.cube_ids.get(user):
            memos.remember([MemoryItem(f"{user} keeps bees.")], user, user)
            memos.commit(user, user)
        fields = memos.answer("What does the user keep?", user, user).scheduling
        loaded.append(sum(tier.adapter_of(ns) is not None for ns in ("u1", "u2")))
        assert fields["adapters_loaded"] == 1
    assert loaded == [1, 1, 1] and memos.scheduler.summary()["adapter_slots"] == 1
    tier.detach("u1")
    with pytest.raises(ValueError, match="future"):
        MemScheduler(tier, Oracle, adapter_slots=1)


def test_the_series_has_a_row_per_tick_that_adds_up_to_the_records(tmp_path, smollm2, minilm):
    memos = _memos(tmp_path, smollm2, minilm, interval=2)
    fields = [memos.answer(q, NS, ACTOR).scheduling for q in [QUESTIONS[0], QUESTIONS[0], QUESTIONS[0], QUESTIONS[1],
                                                              QUESTIONS[2]]]  # fmt: skip
    series = memos.scheduler.series()
    assert [(r["tick"], r["queries"]) for r in series] == [(1, 2), (2, 4)]  # the 5th query awaits a tick
    assert series[0]["kv_hit_cubes"] == 0 and series[1]["kv_hit_cubes"] == sum(f["kv_hit_cubes"] for f in fields[2:4])
    assert [r["promotions"] for r in series] == [fields[1]["promotions"], fields[3]["promotions"]]
    for row, after in zip(series, (fields[1], fields[3]), strict=True):
        assert row["kv_resident_tokens"] == after["kv_resident_tokens"] <= 40
        assert row["kv_resident_bytes"] == after["kv_resident_bytes"] and row["answer_s_mean"] > 0
    summary = memos.scheduler.summary()
    assert summary["kv_resident_tokens_max"] == max(r["kv_resident_tokens"] for r in series)

"""Textbook traces, worked by hand: each policy's choices on a short trace, step by step."""

from __future__ import annotations

from functools import partial

import pytest
from scheduling_helpers import evictions, hits, run

from memos_lab.scheduling.cache import BudgetedCache
from memos_lab.scheduling.policies.arc import ARC
from memos_lab.scheduling.policies.cost_aware import CostAware
from memos_lab.scheduling.policies.fifo import FIFO
from memos_lab.scheduling.policies.lfu import LFU
from memos_lab.scheduling.policies.lrfu import LRFU
from memos_lab.scheduling.policies.lru import LRU
from memos_lab.scheduling.policies.oracle import Oracle
from memos_lab.scheduling.policies.priority import Priority
from memos_lab.scheduling.simulate import simulate

BELADY = list("123412512345")  # the classic reference string (Belady, Nelson, Shedler 1969)


def test_lru_and_fifo_on_abcad():
    # A B C fill 3 frames; A hits. LRU order is then B C A, so D evicts B; FIFO order is A B C, so D evicts A.
    trace = list("ABCAD")
    assert evictions(run(LRU, trace, 3)) == [(), (), (), (), ("B",)]
    assert evictions(run(FIFO, trace, 3)) == [(), (), (), (), ("A",)]


def test_belady_min_on_the_classic_trace_has_7_faults():
    # 3 frames. 1 2 3 miss. t3 '4': next uses 1@4 2@5 3@9 -> evict 3. t4 1, t5 2 hit.
    # t6 '5': next uses 1@7 2@8 4@10 -> evict 4. t7 1, t8 2 hit.
    # t9 '3': 1 and 2 never again, 5@11 -> evict 1 (the earliest admitted of the never-again ties).
    # t10 '4': 2 never again -> evict 2. t11 5 hits. Faults t0 t1 t2 t3 t6 t9 t10 = 7, hits = 5.
    results = run(Oracle, BELADY, 3)
    assert hits(results) == 5
    assert evictions(results) == [(), (), (), ("3",), (), (), ("4",), (), (), ("1",), ("2",), ()]
    assert simulate(Oracle, BELADY, None, 3).misses == 7


def test_fifo_shows_beladys_anomaly_and_lru_does_not():
    # FIFO: 9 faults with 3 frames but 10 with 4 (Belady, Nelson, Shedler 1969). LRU: 10 then 8 (a stack algorithm).
    assert [simulate(FIFO, BELADY, None, frames).misses for frames in (3, 4)] == [9, 10]
    assert [simulate(LRU, BELADY, None, frames).misses for frames in (3, 4)] == [10, 8]


def test_oracle_needs_the_future_and_the_same_trace():
    cache = BudgetedCache(Oracle, 2)
    with pytest.raises(RuntimeError, match="set_future"):
        cache.access("A", 1, 0)
    cache = BudgetedCache(Oracle, 2)
    cache.policy.set_future(["A", "B"])
    cache.access("A", 1, 0)
    with pytest.raises(ValueError, match="access to 'C' at clock 1, but the future trace has 'B'"):
        cache.access("C", 1, 1)
    with pytest.raises(ValueError, match="outside the future trace"):
        cache.access("A", 1, 5)


def test_lfu_without_aging_evicts_the_least_frequent_then_least_recent():
    # Capacity 3: A and B are seen twice, C once: D evicts C. E: D has 1 (t5), A 2, B 2 -> evict D.
    trace = list("AABBCDE")
    assert evictions(run(partial(LFU, aging="none"), trace, 3))[5:] == [("C",), ("D",)]


def test_lfu_dynamic_aging_lets_an_old_favourite_go():
    # Capacity 2, LFU-DA: K = L + count at the latest reference, L := K of each victim.
    # t0-t2 A A A: K(A) = 1, 2, 3.  t3 B: K(B) = 0 + 1 = 1.
    # t4 C: victim min K = B (1); L = 1; K(C) = 1 + 1 = 2.
    # t5 D: victim C (2 < 3); L = 2; K(D) = 3.
    # t6 E: A (3, last t2) ties D (3, last t5): the least recent, A, goes; plain LFU would keep A forever.
    trace = list("AAABCDE")
    assert evictions(run(LFU, trace, 2))[4:] == [("B",), ("C",), ("A",)]
    assert evictions(run(partial(LFU, aging="none"), trace, 2))[4:] == [("B",), ("C",), ("D",)]


def test_lfu_halving_ages_counts_every_n_ticks():
    # Capacity 2, halve every 4 ticks. t0-t2 A: count 3. t3 B: 1. t4 C: the clock reaches 4, counts halve
    # (A 1, B 0) before the miss: victim B. t5 D: A (1, last t2) ties C (1, last t4): A goes.
    trace = list("AAABCD")
    assert evictions(run(partial(LFU, aging="halving", halve_every=4), trace, 2))[4:] == [("B",), ("A",)]


def test_lfu_count_history_remembers_evicted_keys():
    # Capacity 2. t0 t1 A A (2). t2 B (1). t3 C evicts B. t4 B evicts C (1 < 2); B comes back with all its
    # accesses (2) when count_history, else 1. t5 D: history -> A (2, t1) ties B (2, t4): A goes; in-cache -> B.
    trace = list("AABCBD")
    assert evictions(run(partial(LFU, aging="none", count_history=True), trace, 2))[5] == ("A",)
    assert evictions(run(partial(LFU, aging="none"), trace, 2))[5] == ("B",)


def test_arc_ghost_hits_in_b1_grow_p():
    # c = 3, unit sizes. (T1/T2 resident, B1/B2 ghosts, LRU first.)
    # t0 A: T1=[A].  t1 A: hit -> T2=[A].  t2 B: T1=[B].  t3 B: hit -> T2=[A,B].  t4 C: T1=[C]; full.
    # t5 D: new; REPLACE: |T1|=1 > p=0 -> C to B1.  T1=[D] T2=[A,B] B1=[C].
    # t6 C: B1 ghost: p = 0 + max(1, |B2|/|B1| = 0/1) = 1; REPLACE: |T1|=1 > 1 no -> A to B2; C enters T2.
    #       T1=[D] T2=[B,C] B1=[] B2=[A].
    # t7 E: REPLACE: 1 > 1 no -> B to B2.  T1=[D,E] T2=[C] B2=[A,B].
    # t8 F: REPLACE: |T1|=2 > 1 -> D to B1.  T1=[E,F] T2=[C] B1=[D] B2=[A,B]; |T1|+|B1| = 3 <= c, total 6 <= 2c.
    # t9 D: B1 ghost: p = 1 + max(1, |B2|/|B1| = 2/1) = 3; REPLACE: |T1|=2 > 3 no -> C to B2; D enters T2.
    #       T1=[E,F] T2=[D] B1=[] B2=[A,B,C].
    cache = BudgetedCache(ARC, 3)
    arc = cache.policy
    p_after = []
    for now, key in enumerate("AABBCDCEFD"):
        cache.access(key, 1, now)
        p_after.append(arc.p)
    assert p_after == [0, 0, 0, 0, 0, 0, 1, 1, 1, 3]
    assert [list(lst.items) for lst in (arc.t1, arc.t2, arc.b1, arc.b2)] == [["E", "F"], ["D"], [], ["A", "B", "C"]]


def test_arc_ghost_hit_in_b2_shrinks_p():
    # c = 2. t0 A, t1 A (hit): T2=[A].  t2 B: T1=[B].  t3 C: REPLACE |T1|=1 > 0 -> B to B1; T1=[C].
    # t4 B: B1 ghost: p = 0 + max(1, 0/1) = 1; REPLACE: 1 > 1 no -> A to B2; T1=[C] T2=[B] B2=[A].
    # t5 D: REPLACE: 1 > 1 no -> B to B2; T1=[C,D] B2=[A,B].
    # t6 A: B2 ghost: p = 1 - max(1, |B1|/|B2| = 0/2) = 0; REPLACE: |T1|=2 > 0 -> C to B1; A enters T2.
    results = run(ARC, list("AABCBDA"), 2)
    assert evictions(results) == [(), (), (), ("B",), ("A",), ("B",), ("C",)]
    cache = BudgetedCache(ARC, 2)
    for now, key in enumerate("AABCBDA"):
        cache.access(key, 1, now)
        if now == 4:
            assert cache.policy.p == 1
    arc = cache.policy
    assert arc.p == 0
    assert [list(lst.items) for lst in (arc.t1, arc.t2, arc.b1, arc.b2)] == [["D"], ["A"], ["C"], ["B"]]


def test_arc_new_key_into_a_full_t1_leaves_no_ghost():
    # c = 2, A B fill T1; C: |T1| = c, so the paper deletes T1's LRU (A) outright: no ghost kept.
    cache = BudgetedCache(ARC, 2)
    for now, key in enumerate("ABC"):
        cache.access(key, 1, now)
    assert list(cache.policy.t1.items) == ["B", "C"] and not cache.policy.b1


def test_lrfu_combined_recency_frequency_by_hand():
    # lam = 0.5, A referenced at t0 and t2: CRF(4) = (1/2)^(0.5*4) + (1/2)^(0.5*2) = 0.25 + 0.5.
    cache = BudgetedCache(partial(LRFU, lam=0.5), 3)
    for now, key in [(0, "A"), (2, "A")]:
        cache.access(key, 1, now)
    assert cache.policy.crf("A", 4) == pytest.approx(0.75)


def test_lrfu_ends_are_lfu_and_lru():
    # Capacity 2, trace A A B C A D. LFU: C evicts B (1 < 2), D evicts C. LRU: C evicts A, A evicts B, D evicts C.
    trace = list("AABCAD")
    lfu, lru = evictions(run(partial(LFU, aging="none"), trace, 2)), evictions(run(LRU, trace, 2))
    assert lfu == [(), (), (), ("B",), (), ("C",)]
    assert lru == [(), (), (), ("A",), ("B",), ("C",)]
    assert evictions(run(partial(LRFU, lam=0.0), trace, 2)) == lfu
    assert evictions(run(partial(LRFU, lam=1.0), trace, 2)) == lru


def test_greedy_dual_size_evicts_the_cheapest_per_unit():
    # Capacity 10, every key 5 units. H = L + cost/size.
    # t0 A (5.0 s): H = 1.0.  t1 B (0.5 s): H = 0.1.
    # t2 C (2.0 s): evict min H = B; L = 0.1; H(C) = 0.1 + 0.4 = 0.5.
    # t3 D (unmeasured): costed at 5 units * the measured mean 7.5 s / 15 units = 2.5 s; evict C (0.5 < 1.0);
    #    L = 0.5; H(D) = 0.5 + 0.5 = 1.0.
    # t4 B: A (1.0, t0) ties D (1.0, t3): the least recent, A, goes although it is the dearest; inflation aged it.
    sizes = dict.fromkeys("ABCD", 5)
    costs = {"A": 5.0, "B": 0.5, "C": 2.0}
    results = run(CostAware, list("ABCDB"), 10, sizes=sizes, costs=costs)
    assert evictions(results) == [(), (), ("B",), ("C",), ("A",)]
    assert evictions(run(LRU, list("ABCDB"), 10, sizes=sizes)) == [(), (), ("A",), ("B",), ("C",)]


def test_greedy_dual_size_unit_cost_keeps_small_items():
    # cost = unit: H = L + 1/size; the large item has the smallest H and goes first.
    sizes = {"big": 6, "s1": 2, "s2": 2, "s3": 2}
    results = run(partial(CostAware, cost="unit"), ["s1", "big", "s2", "s3"], 10, sizes=sizes)
    assert evictions(results)[-1] == ("big",)


def test_priority_evicts_the_lowest_priority_then_the_least_recent():
    # Capacity 3. A (5), B (1), C (1), then A hits. D (0): B and C tie at 1, B is less recent -> B.
    # E (2): resident A 5, C 1, D 0 -> D.
    priorities = {"A": 5, "B": 1, "C": 1, "D": 0, "E": 2}
    results = run(Priority, list("ABCADE"), 3, priorities=priorities)
    assert evictions(results) == [(), (), (), (), ("B",), ("D",)]

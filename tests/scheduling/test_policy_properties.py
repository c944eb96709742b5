"""Properties over random traces, for every policy in conf/policy/: the budget holds at every moment,
resident sizes sum to `used`, and Belady's MIN is never beaten on unit sizes."""

from __future__ import annotations

from functools import partial

from hypothesis import given, settings
from hypothesis import strategies as st
from scheduling_helpers import POLICY_NAMES, evictions, hits, policy_factory, run

from memos_lab.scheduling.policies.cost_aware import CostAware
from memos_lab.scheduling.policies.lfu import LFU
from memos_lab.scheduling.policies.lrfu import LRFU
from memos_lab.scheduling.policies.lru import LRU

KEYS = [f"k{i}" for i in range(8)]
traces = st.lists(st.sampled_from(KEYS), min_size=1, max_size=60)
capacities = st.integers(min_value=1, max_value=12)
sizes = st.fixed_dictionaries({key: st.integers(min_value=1, max_value=14) for key in KEYS})
costs = st.fixed_dictionaries({key: st.sampled_from([0.0, 0.01, 0.1, 1.0]) for key in KEYS})
priorities = st.fixed_dictionaries({key: st.integers(min_value=0, max_value=3) for key in KEYS})
PROPERTY = settings(max_examples=150, deadline=None)


@PROPERTY
@given(trace=traces, capacity=capacities, sizes=sizes, costs=costs, priorities=priorities)
def test_budget_holds_at_every_moment_for_every_policy(trace, capacity, sizes, costs, priorities):
    # `run` checks used <= capacity whenever a victim is asked for or a key admitted (mid-access), and after
    # every access that used == the sum of the resident sizes; here also what each access reports.
    for name in POLICY_NAMES:
        results = run(policy_factory(name), trace, capacity, sizes=sizes, costs=costs, priorities=priorities)
        for key, result in zip(trace, results, strict=True):
            assert (result.rejected == "too_large") == (not result.hit and sizes[key] > capacity)
            assert result.hit or result.admitted or result.rejected


@PROPERTY
@given(trace=traces, capacity=st.integers(min_value=1, max_value=6))
def test_oracle_is_never_beaten_on_unit_sizes(trace, capacity):
    best = hits(run(policy_factory("oracle"), trace, capacity))
    for name in POLICY_NAMES:
        assert hits(run(policy_factory(name), trace, capacity)) <= best, name


@PROPERTY
@given(trace=traces, capacity=capacities, sizes=sizes)
def test_lrfu_ends_equal_lfu_and_lru(trace, capacity, sizes):
    lfu = evictions(run(partial(LFU, aging="none"), trace, capacity, sizes=sizes))
    lru = evictions(run(LRU, trace, capacity, sizes=sizes))
    assert evictions(run(partial(LRFU, lam=0.0), trace, capacity, sizes=sizes)) == lfu
    assert evictions(run(partial(LRFU, lam=1.0), trace, capacity, sizes=sizes)) == lru


@PROPERTY
@given(trace=traces, capacity=capacities, sizes=sizes)
def test_greedy_dual_size_with_cost_size_is_lru(trace, capacity, sizes):
    # cost = size makes every H = L + 1; L only grows, so the least recent key has the smallest H.
    lru = evictions(run(LRU, trace, capacity, sizes=sizes))
    assert evictions(run(partial(CostAware, cost="size"), trace, capacity, sizes=sizes)) == lru

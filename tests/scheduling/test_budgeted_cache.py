"""BudgetedCache: admission, eviction, stats, external eviction, resizing and its errors."""

from __future__ import annotations

from functools import partial

import pytest

from memos_lab.scheduling.cache import AccessResult, BudgetedCache, PolicyError
from memos_lab.scheduling.policies.arc import ARC
from memos_lab.scheduling.policies.fifo import FIFO
from memos_lab.scheduling.policies.lfu import LFU
from memos_lab.scheduling.policies.lru import LRU
from memos_lab.scheduling.policies.priority import Priority
from memos_lab.scheduling.simulate import simulate


class Picky(FIFO):
    """Refuses keys that start with 'x'."""

    name = "picky"

    def admit(self, key, stats, now):
        return not key.startswith("x")


def test_hits_misses_and_sized_evictions():
    cache = BudgetedCache(LRU, 10)
    assert cache.access("A", 4, 0) == AccessResult(hit=False, admitted=True)
    assert cache.access("B", 4, 1) == AccessResult(hit=False, admitted=True)
    assert cache.access("A", 4, 2) == AccessResult(hit=True, admitted=False)
    assert cache.access("C", 6, 3) == AccessResult(hit=False, admitted=True, evicted=("B",))  # 8 + 6 > 10
    assert cache.resident == ("A", "C") and cache.used == 10 and len(cache) == 2 and "A" in cache
    assert cache.access("D", 9, 4).evicted == ("A", "C")  # several victims for one large key


def test_too_large_and_refused_keys_are_reported_not_cached():
    cache = BudgetedCache(Picky, 5)
    cache.access("A", 3, 0)
    assert cache.access("huge", 6, 1) == AccessResult(hit=False, admitted=False, rejected="too_large")
    assert cache.access("x1", 1, 2) == AccessResult(hit=False, admitted=False, rejected="refused")
    assert cache.resident == ("A",) and cache.used == 3
    assert cache.stats("huge").accesses == 1 and cache.stats("huge").hits == 0


def test_stats_are_kept_for_evicted_keys():
    cache = BudgetedCache(LRU, 2)
    cache.access("A", 1, 0, cost_s=0.25, priority=3)
    cache.access("A", 1, 1)  # cost 0.0 = not measured: the old measurement stays
    cache.access("B", 1, 2)
    cache.access("C", 1, 5)  # evicts A
    stats = cache.stats("A")
    assert "A" not in cache
    assert (stats.accesses, stats.hits, stats.first_access, stats.last_access) == (2, 1, 0, 1)
    assert (stats.cost_s, stats.priority, stats.size) == (0.25, 0, 1)
    with pytest.raises(KeyError, match="'Z': it was never accessed"):
        cache.stats("Z")


def test_external_eviction_is_not_a_policy_decision():
    cache = BudgetedCache(LFU, 3)  # LFU-DA: only the policy's own victims raise the inflation L
    for now, key in enumerate("AAAB"):
        cache.access(key, 1, now)
    assert cache.evict("A", 4) is True and cache.evict("A", 4) is False
    assert cache.policy.inflation == 0 and cache.used == 1
    arc_cache = BudgetedCache(ARC, 2)
    arc_cache.access("A", 1, 0)
    arc_cache.evict("A", 1)
    assert not arc_cache.policy.b1 and not arc_cache.policy.t1  # no ghost for a superseded memory


def test_resize_makes_room_first_and_may_evict_the_key_itself():
    cache = BudgetedCache(LRU, 10)
    for now, key in enumerate("ABC"):
        cache.access(key, 3, now)
    assert cache.resize("C", 5, 3) == ("A",)  # 9 - 3 + 5 > 10: the LRU key goes first
    assert cache.used == 8 and cache.stats("C").size == 5
    assert cache.resize("B", 1, 4) == () and cache.used == 6  # shrinking never evicts
    assert cache.resize("B", 11, 5) == ("B",) and "B" not in cache  # larger than the capacity: out
    assert cache.resize("A", 2, 6) == () and cache.stats("A").size == 2  # not resident: recorded only
    with pytest.raises(KeyError, match="never accessed"):
        cache.resize("Z", 2, 7)
    lru_first = BudgetedCache(LRU, 4)
    lru_first.access("A", 2, 0)
    lru_first.access("B", 2, 1)
    assert lru_first.resize("A", 3, 2) == ("A",)  # the policy may pick the growing key itself


def test_a_hit_with_a_new_size_resizes():
    cache = BudgetedCache(Priority, 6)
    cache.access("A", 2, 0, priority=1)
    cache.access("B", 2, 1, priority=0)
    result = cache.access("A", 5, 2, priority=1)
    assert result == AccessResult(hit=True, admitted=False, evicted=("B",)) and cache.used == 5


@pytest.mark.parametrize("capacity", [0, -3, 2.5])
def test_capacity_must_be_a_positive_int(capacity):
    with pytest.raises(ValueError, match="capacity"):
        BudgetedCache(LRU, capacity)


@pytest.mark.parametrize("size", [0, -1, 1.5])
def test_size_must_be_a_positive_int(size):
    cache = BudgetedCache(LRU, 4)
    with pytest.raises(ValueError, match=r"BudgetedCache\[lru\]: size of 'A'"):
        cache.access("A", size, 0)


def test_clock_must_not_go_back():
    cache = BudgetedCache(LRU, 4)
    cache.access("A", 1, 3)
    cache.access("B", 1, 3)  # several accesses may share a clock
    with pytest.raises(ValueError, match="clock now=2"):
        cache.access("C", 1, 2)


def test_factory_must_build_a_policy():
    with pytest.raises(TypeError, match="not a Policy"):
        BudgetedCache(lambda capacity: object(), 4)


def test_policy_returning_a_non_resident_victim_is_named():
    class Stale(LRU):
        name = "stale"

        def on_evict(self, key, now, by_policy):  # forgets to forget: victim() later returns an evicted key
            pass

    cache = BudgetedCache(Stale, 1)
    cache.access("A", 1, 0)
    cache.access("B", 1, 1)
    with pytest.raises(PolicyError, match="policy 'stale' chose victim 'A', which is not resident"):
        cache.access("C", 1, 2)


def test_simulate_reports_rates_and_saved_cost():
    trace = list("ABAB")
    result = simulate(FIFO, trace, {"A": 1, "B": 3}, capacity=4, costs={"A": 0.5, "B": 2.0})
    assert (result.policy, result.hits, result.misses, result.evictions, result.rejected) == ("fifo", 2, 2, 0, 0)
    assert result.hit_rate == 0.5 and result.byte_hit_rate == 0.5 and result.saved_cost_s == 2.5
    small = simulate(partial(LRU), trace, {"A": 1, "B": 5}, capacity=4)
    assert (small.hits, small.rejected) == (1, 2)  # B never fits
    assert simulate(LRU, [], None, 3).hit_rate == 0.0

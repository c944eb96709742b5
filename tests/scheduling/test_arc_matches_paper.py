"""Our size-aware ARC, at unit sizes, makes the choices of the paper's ARC(c) (Megiddo & Modha, FAST 2003,
Figure 4), transcribed below as literally as possible, on random traces."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from memos_lab.scheduling.cache import BudgetedCache
from memos_lab.scheduling.policies.arc import ARC


def paper_arc(trace: list[str], c: int) -> tuple[list[tuple[str, ...]], list[float]]:
    """Figure 4 of the paper: the keys evicted from the cache at each request, and p after it."""
    t1: list[str] = []  # every list: LRU first
    t2: list[str] = []
    b1: list[str] = []
    b2: list[str] = []
    p = 0.0
    evicted, ps = [], []

    def replace(x: str) -> str:
        if t1 and ((x in b2 and len(t1) == p) or len(t1) > p):
            b1.append(t1.pop(0))
            return b1[-1]
        b2.append(t2.pop(0))
        return b2[-1]

    for x in trace:
        out: list[str] = []
        if x in t1 or x in t2:  # Case I
            (t1 if x in t1 else t2).remove(x)
            t2.append(x)
        elif x in b1:  # Case II
            p = min(c, p + (1 if len(b1) >= len(b2) else len(b2) / len(b1)))
            out.append(replace(x))
            b1.remove(x)
            t2.append(x)
        elif x in b2:  # Case III
            p = max(0, p - (1 if len(b2) >= len(b1) else len(b1) / len(b2)))
            out.append(replace(x))
            b2.remove(x)
            t2.append(x)
        else:  # Case IV
            l1, total = len(t1) + len(b1), len(t1) + len(t2) + len(b1) + len(b2)
            if l1 == c:  # Case A
                if len(t1) < c:
                    b1.pop(0)
                    out.append(replace(x))
                else:
                    out.append(t1.pop(0))
            elif total >= c:  # Case B (l1 < c)
                if total == 2 * c:
                    b2.pop(0)
                out.append(replace(x))
            t1.append(x)
        evicted.append(tuple(out))
        ps.append(p)
    return evicted, ps


@settings(max_examples=300, deadline=None)
@given(trace=st.lists(st.sampled_from("ABCDEFGHIJ"), max_size=80), c=st.integers(min_value=1, max_value=6))
def test_unit_size_arc_equals_the_paper(trace, c):
    cache = BudgetedCache(ARC, c)
    evicted, ps = [], []
    for now, key in enumerate(trace):
        evicted.append(cache.access(key, 1, now).evicted)
        ps.append(cache.policy.p)
    assert (evicted, ps) == paper_arc(trace, c)

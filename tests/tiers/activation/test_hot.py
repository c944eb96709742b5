"""The default hot-set choice: the newest memories that fit the budget, oldest first."""

from __future__ import annotations

from memos_lab.cube import plaintext_cube
from memos_lab.tiers.activation.hot import most_recent


def cube(text: str, created: float, tokens: int):
    return plaintext_cube(text, namespace="ns", owner="me", now=created, size_tokens=tokens)


def test_newest_that_fit_in_prompt_order():
    cubes = [cube("a", 1, 10), cube("b", 3, 10), cube("c", 2, 10), cube("d", 4, 10)]
    assert [c.text for c in most_recent(cubes, 25)] == ["b", "d"]
    assert [c.text for c in most_recent(cubes, 100)] == ["a", "c", "b", "d"]


def test_stops_at_the_first_that_does_not_fit():
    cubes = [cube("old", 1, 1), cube("big", 2, 50), cube("new", 3, 5)]
    assert [c.text for c in most_recent(cubes, 20)] == ["new"]
    assert most_recent(cubes, 0) == [] and most_recent([], 10) == []

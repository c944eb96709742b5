"""Exact scoring of knowledge-update answers: the right value, for the right time, or an abstention.

A value is named when its normalised words (LoCoMo's normalisation:
lower-case, no punctuation, no a/an/the/and) appear as a whole in the
normalised answer. An answer is correct when it names the gold value and no
other value the fact ever had (hedging across values is not an answer). An
abstention is detected by LoCoMo's adversarial phrases ("no information
available", "not mentioned"). Bump SCORING_VERSION on any change that can
move a score.
"""

from __future__ import annotations

from collections.abc import Sequence

from evals.locomo.scoring import adversarial_score, normalize_answer

SCORING_VERSION = 1
ABSTAIN = "No information available"
CATEGORIES = ("current", "past", "abstain")


def names(prediction: str, value: str) -> bool:
    """Whether `prediction` names `value` (whole normalised words)."""
    words = normalize_answer(value)
    return bool(words) and f" {words} " in f" {normalize_answer(prediction)} "


def score(prediction: str, category: str, gold: str, history: Sequence[str]) -> dict[str, float | None]:
    """accuracy (0/1); stale: a current question answered with a superseded value; wrong_time: a past
    question answered with a value the fact held at another time (None where they do not apply)."""
    if category == "abstain":
        return {"accuracy": adversarial_score(prediction), "stale": None, "wrong_time": None}
    if category not in CATEGORIES:
        raise ValueError(f"unknown knowledge-update category {category!r} (expected one of {CATEGORIES})")
    others = any(names(prediction, v) for v in history if v != gold)
    correct = float(names(prediction, gold) and not others)
    if category == "current":
        return {"accuracy": correct, "stale": float(others), "wrong_time": None}
    return {"accuracy": correct, "stale": None, "wrong_time": float(others)}

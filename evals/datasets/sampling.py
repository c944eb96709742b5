"""A seeded sample that keeps the original order: the same seed and key pick the same items on every machine."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def seeded_sample(items: Sequence[T], n: int | None, seed: int, key: str = "") -> list[T]:
    """`n` of `items` drawn by `random.Random(f"{seed}:{key}")`, in their original order; all when n is None
    or at least len(items)."""
    if n is None or n >= len(items):
        return list(items)
    keep = set(random.Random(f"{seed}:{key}").sample(range(len(items)), n))
    return [item for i, item in enumerate(items) if i in keep]


def check_counts(prefix: str, **counts: int | None) -> None:
    """Refuse a count below 1 (None means all): `dataset.max_questions=0 must be >= 1 (or null for all)`."""
    for key, value in counts.items():
        if value is not None and value < 1:
            raise ValueError(f"{prefix}.{key}={value} must be >= 1 (or null for all)")

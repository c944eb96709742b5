"""Seeded Zipf draws over ranks, the popularity law of the workloads."""

from __future__ import annotations

import numpy as np


def zipf_draws(n_items: int, n_draws: int, exponent: float, rng: np.random.Generator) -> list[int]:
    """`n_draws` ranks in 0..n_items-1, rank r drawn with probability proportional to 1 / (r + 1) ** exponent."""
    if n_items < 1 or n_draws < 0:
        raise ValueError(f"zipf_draws needs n_items >= 1 and n_draws >= 0, got {n_items}, {n_draws}")
    weights = 1.0 / np.arange(1, n_items + 1) ** exponent
    return [int(r) for r in rng.choice(n_items, size=n_draws, p=weights / weights.sum())]

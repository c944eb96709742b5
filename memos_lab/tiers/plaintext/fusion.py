"""Fusion of several ranked lists: weighted reciprocal rank fusion, or a weighted
sum of min-max normalised scores."""

from __future__ import annotations

from collections.abc import Sequence

Ranked = Sequence[tuple[str, float]]


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], k: int = 60, weights: Sequence[float] | None = None
) -> list[tuple[str, float]]:
    """score(d) = sum over lists of w / (k + rank(d)), ranks from 1 (Cormack et al., 2009)."""
    weights = [1.0] * len(rankings) if weights is None else list(weights)
    if len(weights) != len(rankings):
        raise ValueError(f"{len(weights)} weights for {len(rankings)} rankings")
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))


def score_fusion(lists: Sequence[Ranked], weights: Sequence[float]) -> list[tuple[str, float]]:
    """score(d) = sum over lists of w * (s - min) / (max - min); absent from a list adds 0."""
    if len(weights) != len(lists):
        raise ValueError(f"{len(weights)} weights for {len(lists)} lists")
    scores: dict[str, float] = {}
    for ranked, weight in zip(lists, weights, strict=True):
        if not ranked:
            continue
        values = [s for _, s in ranked]
        low, span = min(values), max(values) - min(values)
        for item, value in ranked:
            scores[item] = scores.get(item, 0.0) + weight * ((value - low) / span if span > 0 else 1.0)
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))

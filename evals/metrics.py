"""Aggregate metrics of a run: accuracy by the dataset's scorer, plus the
cost side: latencies, prompt tokens, bytes stored per tier."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from evals.datasets.base import Dataset

LATENCY_FIELDS = ("search_ms", "answer_ms", "ttft_ms")  # "total": search + answer, per question


def percentiles(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "mean": None}
    array = np.asarray(values, dtype=float)
    return {"p50": float(np.percentile(array, 50)), "p95": float(np.percentile(array, 95)), "mean": float(array.mean())}


def summarise(
    records: Sequence[Mapping[str, Any]],
    dataset: Dataset,
    bytes_stored: Mapping[str, int],
    scheduling: Mapping[str, Any] | None = None,
    fusion: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    tokens = [r["prompt_tokens"] for r in records]
    summary = {
        "dataset": dataset.name,
        "metric_names": list(dataset.metrics),  # the first is the headline
        **dataset.aggregate(records),
        "latency_ms": {name.removesuffix("_ms"): percentiles([r[name] for r in records]) for name in LATENCY_FIELDS}
        | {"total": percentiles([r["search_ms"] + r["answer_ms"] for r in records])},
        "prompt_tokens_mean": float(np.mean(tokens)) if tokens else None,
        "ingest_s": ingest_seconds(records),
        "bytes_stored": dict(bytes_stored),
        "bytes_stored_total": int(sum(bytes_stored.values())),
    }
    if scheduling is not None:
        summary["scheduling"] = dict(scheduling) | hit_rates(records)
    if fusion is not None:
        summary["fusion"] = dict(fusion)
    return summary


def hit_rates(records: Sequence[Mapping[str, Any]]) -> dict[str, float | None]:
    """Share of retrieved memories (cubes, tokens) that the KV tier already held when asked."""
    def ratio(part: str, whole: str) -> float | None:
        total = sum(r.get(whole, 0) for r in records)
        return sum(r.get(part, 0) for r in records) / total if total else None

    return {"kv_hit_rate_cubes": ratio("kv_hit_cubes", "retrieved_cubes"),
            "kv_hit_rate_tokens": ratio("kv_hit_tokens", "retrieved_tokens")}


def ingest_seconds(records: Sequence[Mapping[str, Any]]) -> dict[str, float] | None:
    """Memory build time summed over episodes (a resumed episode counts its first recorded build)."""
    per_episode: dict[str, float] = {}
    for record in records:
        if "ingest_s" in record:
            per_episode.setdefault(record["episode"], record["ingest_s"])
    if not per_episode:
        return None
    return {"total": sum(per_episode.values()), "episodes": len(per_episode)}

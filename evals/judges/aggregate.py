"""Judge accuracy from judgements: mean over questions of the mean of their n judgements, and the std
across the n repeats (the population std of the n per-repeat accuracies, as MemOS's locomo_eval.py
reports it), overall and per category. An unparsable reply scores 0 and is counted."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def judge_accuracy(judgements: Sequence[Mapping[str, Any]], n: int) -> dict[str, Any]:
    """`judgements`: lines with qid, category, sample (0..n-1), score (0/1) and label (None: unparsable)."""
    scores: dict[str, list[int]] = defaultdict(lambda: [0] * n)
    category: dict[str, str] = {}
    for line in judgements:
        scores[line["qid"]][line["sample"]] = int(line["score"])
        category[line["qid"]] = str(line["category"])
    unparsable = sum(line["label"] is None for line in judgements)
    by_category = defaultdict(list)
    for qid, row in scores.items():
        by_category[category[qid]].append(row)
    return {
        **_summary(list(scores.values())),
        "by_category": {c: _summary(rows) for c, rows in sorted(by_category.items())},
        "unparsable": unparsable,
        "unparsable_rate": unparsable / len(judgements) if judgements else None,
    }


def _summary(rows: list[list[int]]) -> dict[str, Any]:
    if not rows:
        return {"n": 0, "accuracy": None, "std": None, "by_repeat": []}
    table = np.asarray(rows, dtype=float)  # questions x repeats
    by_repeat = table.mean(axis=0)
    return {"n": len(rows), "accuracy": float(table.mean()), "std": float(by_repeat.std()),
            "by_repeat": [float(a) for a in by_repeat]}

"""process_results of the bridge's tasks: a doc's answer scored by its dataset's own scorer.

The model returns the memory system's output; the dataset picks the
prediction from it (`Dataset.prediction`: the first line, a whole summary)
and scores it (`Dataset.score`: LoCoMo's F1 by category rule and BLEU-1,
LongBench's task metric), as evals/harness.py does for `python run.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from evals.datasets.base import Dataset, registered
from evals.lm_eval_bridge.docs import doc_question


def process_results(doc: Mapping[str, Any], results: list[str]) -> dict[str, float]:
    dataset = scorer(doc["dataset"])
    question = doc_question(doc)
    return dataset.score(question, dataset.prediction(question, results[0]))


@cache
def scorer(name: str) -> Dataset:
    """An instance of the dataset class registered as `name` (its scoring needs no data)."""
    classes = registered()
    if name not in classes:
        raise ValueError(f"no dataset class named {name!r} is loaded (known: {sorted(classes)})")
    return classes[name]()

"""Overlap scores of a prediction against a reference: token F1 (multiset) and ROUGE-L by the `rouge`
package (the implementation LongBench scores with)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache


def token_f1(prediction: Sequence[str], reference: Sequence[str]) -> float:
    """F1 of the tokens shared, counted with repeats; 0 when none are."""
    same = sum((Counter(prediction) & Counter(reference)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(prediction), same / len(reference)
    return 2 * precision * recall / (precision + recall)


@lru_cache(maxsize=1)
def _rouge():
    from rouge import Rouge

    return Rouge()


def rouge_l_f(prediction: str, reference: str) -> float:
    """ROUGE-L F of `prediction` against `reference`; 0 where the package cannot score (an empty or
    punctuation-only side)."""
    try:
        return float(_rouge().get_scores([prediction], [reference], avg=True)["rouge-l"]["f"])
    except (ValueError, RecursionError):
        return 0.0

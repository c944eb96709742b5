"""ROUGE-L F1 by the `rouge` package (the implementation LongBench scores with)."""

from __future__ import annotations

from functools import lru_cache


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

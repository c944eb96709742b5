"""LongBench's per-task metrics, as its eval.py applies them (metrics.py of THUDM/LongBench).

Each takes the prediction, one gold answer and the task's classes; a sample
scores the best over its gold answers. English tasks only (the Chinese
metrics need jieba segmentation).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence

from evals.datasets.overlap import rouge_l_f, token_f1

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)
_NUMBER = re.compile(r"\d+")
_PARAGRAPH = re.compile(r"Paragraph (\d+)")

Metric = Callable[[str, str, Sequence[str]], float]


def normalize_answer(text: str) -> str:
    """Lower-case, drop punctuation, drop a/an/the, collapse whitespace (SQuAD's normalisation)."""
    return " ".join(_ARTICLES.sub(" ", text.lower().translate(_PUNCTUATION)).split())


def qa_f1(prediction: str, gold: str, classes: Sequence[str] = ()) -> float:
    """Token F1 of the normalised prediction against the normalised gold (multiset overlap)."""
    return token_f1(normalize_answer(prediction).split(), normalize_answer(gold).split())


def rouge_l(prediction: str, gold: str, classes: Sequence[str] = ()) -> float:
    """ROUGE-L F by the `rouge` package, as LongBench; 0 where it cannot score (an empty side)."""
    return rouge_l_f(prediction, gold)


def classification(prediction: str, gold: str, classes: Sequence[str]) -> float:
    """1/m when the gold class is among the m classes named in the prediction (classes that are
    substrings of the gold, but not the gold, do not count), else 0."""
    named = [c for c in classes if c in prediction]
    named = [c for c in named if not (c in gold and c != gold)]
    return 1.0 / len(named) if gold in named else 0.0


def _share_of_numbers(prediction: str, wanted: str) -> float:
    numbers = _NUMBER.findall(prediction)
    return sum(n == wanted for n in numbers) / len(numbers) if numbers else 0.0


def count(prediction: str, gold: str, classes: Sequence[str] = ()) -> float:
    """Share of the numbers in the prediction that equal the gold count."""
    return _share_of_numbers(prediction, str(gold))


def retrieval(prediction: str, gold: str, classes: Sequence[str] = ()) -> float:
    """Share of the numbers in the prediction that equal the gold "Paragraph N"'s N."""
    found = _PARAGRAPH.findall(gold)
    if not found:
        raise ValueError(f"a passage-retrieval gold answer names no 'Paragraph N': {gold!r}")
    return _share_of_numbers(prediction, found[0])


def code_similarity(prediction: str, gold: str, classes: Sequence[str] = ()) -> float:
    """Levenshtein ratio (fuzzywuzzy's, rounded to a percent) of the first code line of the prediction."""
    from rapidfuzz import fuzz

    lines = prediction.lstrip("\n").split("\n")
    code = next((line for line in lines if not any(mark in line for mark in ("`", "#", "//"))), "")
    return round(fuzz.ratio(code, gold)) / 100


METRICS: dict[str, Metric] = {
    "qa_f1": qa_f1,
    "rouge_l": rouge_l,
    "classification": classification,
    "retrieval": retrieval,
    "count": count,
    "code_similarity": code_similarity,
}


def best_score(metric: str, prediction: str, answers: Sequence[str], classes: Sequence[str] = ()) -> float:
    """A sample's score: the best over its gold answers."""
    return max(METRICS[metric](prediction, gold, classes) for gold in answers)

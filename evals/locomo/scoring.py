"""LoCoMo scoring, following the authors' task_eval/evaluation.py; BLEU-1 as mem0's evaluation computes it.

Bump SCORING_VERSION on any change that can move a score (history in README.md).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from evals.datasets.base import evidence_recall as recall_of_ids
from evals.datasets.base import group_by_category, mean
from evals.datasets.overlap import token_f1

SCORING_VERSION = 3  # 3: adds ROUGE-L and F1 on audited gold; 2: BLEU-1 by nltk sentence_bleu as mem0/MemOS
ADVERSARIAL_PHRASES = ("no information available", "not mentioned")
_ARTICLES = re.compile(r"\b(a|an|the|and)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)
_DIA_ID = re.compile(r"D:?(\d+):(\d+)")
_RECALL_KEYS = ("evidence_recall@5", "evidence_recall@10")
_OPTIONAL_MEANS = ("rouge_l", "f1_audited")  # in records scored at version 3 (f1_audited: with an audit file)


def normalize_answer(s: str) -> str:
    """Drop commas, lower-case, drop punctuation and a/an/the/and, collapse spaces."""
    s = str(s).replace(",", "").lower().translate(_PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", s).split())


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    from nltk.stem import PorterStemmer

    return PorterStemmer()


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _stemmer().stem(word)


def _tokens(s: str, stem: bool) -> list[str]:
    words = normalize_answer(s).split()
    return [_stem(w) for w in words] if stem else words


def f1_score(prediction: str, ground_truth: str) -> float:
    """Token F1 over Porter-stemmed normalised tokens (multiset overlap)."""
    return token_f1(_tokens(prediction, stem=True), _tokens(ground_truth, stem=True))


def f1_multi(prediction: str, ground_truth: str) -> float:
    """Category 1: mean over comma-separated answer parts of the best F1 of any prediction part."""
    preds = [p.strip() for p in str(prediction).split(",")]
    golds = [g.strip() for g in str(ground_truth).split(",")]
    return sum(max(f1_score(p, g) for p in preds) for g in golds) / len(golds)


def adversarial_score(prediction: str, phrases: Sequence[str] = ADVERSARIAL_PHRASES) -> float:
    """Category 5: 1.0 if the output declines ("no information available", "not mentioned"); other
    datasets pass their own lower-case `phrases`."""
    output = str(prediction).lower()
    return float(any(phrase in output for phrase in phrases))


def score_answer(prediction: str, answer: str, category: int) -> float:
    """The LoCoMo score of one prediction for a question of `category` (1-5)."""
    if category == 1:
        return f1_multi(prediction, answer)
    if category in (2, 4):
        return f1_score(prediction, answer)
    if category == 3:
        return f1_score(prediction, str(answer).split(";")[0].strip())
    if category == 5:
        return adversarial_score(prediction)
    raise ValueError(f"unknown LoCoMo category {category!r} (expected 1-5)")


@lru_cache(maxsize=1)
def _bleu() -> tuple[Any, Any, Any]:
    from nltk.tokenize import word_tokenize
    from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

    return word_tokenize, sentence_bleu, SmoothingFunction().method1


def bleu1(prediction: str, answer: str) -> float:
    """BLEU-1 as mem0's LoCoMo evaluation computes it (evaluation/metrics/utils.py, used by the MemOS paper too):
    nltk `sentence_bleu` with weights (1, 0, 0, 0) and smoothing method1 on lower-cased nltk word tokens
    (punctuation tokens kept, no stemming, no article removal); 0 when either side is empty."""
    word_tokenize, sentence_bleu, smoothing = _bleu()
    # preserve_line: no punkt sentence splitter (data nltk does not ship; upstream downloads it at import).
    pred = word_tokenize(str(prediction).lower(), preserve_line=True)
    ref = word_tokenize(str(answer).lower(), preserve_line=True)
    if not pred or not ref:
        return 0.0
    return float(sentence_bleu([ref], pred, weights=(1, 0, 0, 0), smoothing_function=smoothing))


def normalize_evidence(evidence: Iterable[str]) -> tuple[str, ...]:
    """Canonical "D<s>:<t>" ids from raw evidence ("D8:6; D9:17", "D:11:26", "D30:05")."""
    found = (f"D{int(s)}:{int(t)}" for item in evidence for s, t in _DIA_ID.findall(str(item)))
    return tuple(dict.fromkeys(found))


def evidence_recall(evidence: Sequence[str], retrieved_dia_ids: Sequence[str], k: int) -> float | None:
    """Fraction of the evidence ids among the first `k` retrieved; None without evidence."""
    return recall_of_ids(normalize_evidence(evidence), retrieved_dia_ids, k)


def aggregate(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Means over per-question records, overall and F1 by category (string keys)."""
    groups = group_by_category(records)
    optional = {key: mean(r[key] for r in records) for key in _OPTIONAL_MEANS if records and key in records[0]}
    if "f1_audited" in optional:
        optional["f1_audited_by_category"] = {c: mean(r["f1_audited"] for r in rs) for c, rs in groups.items()}
    return {
        "scoring_version": SCORING_VERSION,
        "n": len(records),
        "f1": mean(r["f1"] for r in records),
        "f1_by_category": {c: mean(r["f1"] for r in rs) for c, rs in groups.items()},
        "n_by_category": {c: len(rs) for c, rs in groups.items()},
        "bleu1": mean(r["bleu1"] for r in records),
        **{key: mean(r.get(key) for r in records) for key in _RECALL_KEYS},
        **optional,
    }


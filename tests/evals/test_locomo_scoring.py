"""LoCoMo scoring rules, each checked on a case worked by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evals.locomo import (
    SCORING_VERSION,
    aggregate,
    bleu1,
    evidence_recall,
    f1_multi,
    f1_score,
    normalize_answer,
    normalize_evidence,
    score_answer,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # lower -> "the cat and a dog!" -> drop "!" -> drop the/and/a -> "cat dog"
        ("The cat, and a Dog!", "cat dog"),
        # the comma goes first, so "1,000" stays one token
        ("1,000 dollars", "1000 dollars"),
        # whole words only: "and" inside Andrew/Sandy stays
        ("Andrew and Sandy", "andrew sandy"),
        # punctuation is deleted, not replaced by a space
        ("mother's ice-cream", "mothers icecream"),
        ("  An   apple  ", "apple"),
    ],
)
def test_normalize_answer(raw: str, expected: str) -> None:
    assert normalize_answer(raw) == expected


def test_f1_stems_tokens() -> None:
    # "running" and "runs" both stem to "run": one shared token of one -> 1.0
    assert f1_score("running", "runs") == 1.0
    # pred [he, run, daili], gold [run]: P = 1/3, R = 1, F1 = 2(1/3)/(4/3) = 0.5
    assert f1_score("He runs daily", "running") == pytest.approx(0.5)


def test_f1_counts_a_multiset_overlap() -> None:
    # [dog, dog, cat] & [dog, cat, cat] = {dog: 1, cat: 1}: P = R = 2/3, F1 = 2/3
    assert f1_score("dog dog cat", "dog cat cat") == pytest.approx(2 / 3)
    assert f1_score("1,000", "1000") == 1.0


def test_f1_without_overlap_is_zero() -> None:
    assert f1_score("Paris", "Rome") == 0.0
    assert f1_score("", "Rome") == 0.0
    assert f1_score("the", "a") == 0.0  # both normalise to nothing


def test_category_1_splits_on_commas() -> None:
    # gold parts [paris, rome]; best F1 vs pred part "rome": 0 and 1 -> mean 0.5
    assert f1_multi("Rome", "Paris, Rome") == 0.5
    assert f1_multi("Rome, Paris", "Paris, Rome") == 1.0
    # one pred part [i, went, to, rome, pari]; vs "paris" P = 1/5, R = 1, F1 = 1/3;
    # same vs "rome" -> mean 1/3
    assert f1_multi("I went to Rome and Paris", "Paris, Rome") == pytest.approx(1 / 3)
    assert score_answer("Rome", "Paris, Rome", 1) == 0.5


def test_category_3_keeps_the_answer_before_the_first_semicolon() -> None:
    answer = "Pottery; she took a class"
    # gold "Pottery" -> 1.0; the whole answer [potteri, she, took, class]: P = 1,
    # R = 1/4, F1 = 2(1/4)/(5/4) = 0.4
    assert score_answer("pottery", answer, 3) == 1.0
    assert f1_score("pottery", answer) == pytest.approx(0.4)
    assert score_answer("pottery", answer, 2) == pytest.approx(0.4)


@pytest.mark.parametrize(
    ("prediction", "expected"),
    [
        ("There is no information available.", 1.0),
        ("Not Mentioned in the conversation", 1.0),
        ("No", 0.0),
        ("not mention", 0.0),
        ("information not available", 0.0),
    ],
)
def test_category_5_needs_a_declining_phrase(prediction: str, expected: float) -> None:
    assert score_answer(prediction, "Yes", 5) == expected


def test_categories_2_and_4_are_plain_f1() -> None:
    for category in (2, 4):
        assert score_answer("7 May 2023", "May 7, 2023", category) == 1.0
        assert score_answer("He runs daily", "running", category) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="category 6"):
        score_answer("x", "x", 6)


def test_bleu1_brevity_penalty() -> None:
    # pred [the, cat, sat] all in ref [the, cat, sat, on, the, mat]: precision 1, BP = e^(1 - 6/3)
    assert bleu1("the cat sat", "the cat sat on the mat") == pytest.approx(math.exp(-1))
    # pred [cat, cat, cat, sat, on, mat] vs ref [cat, sat]: clipped 1 + 1 = 2 of 6;
    # longer than the reference, so BP = 1
    assert bleu1("cat cat cat sat on mat", "cat sat") == pytest.approx(1 / 3)
    assert bleu1("cat sat", "cat sat") == 1.0
    assert bleu1("", "cat") == 0.0 and bleu1("cat", "") == 0.0
    assert bleu1("running", "runs") == 0.0  # no stemming, unlike F1


def test_bleu1_counts_words_as_mem0_does() -> None:
    # mem0/MemOS: lower-cased nltk word tokens, punctuation and articles kept:
    # [the, capital, is, paris, .] vs [paris]: 1 of 5 (the LoCoMo-normalised count would be 1 of 3)
    assert bleu1("The capital is Paris.", "Paris") == pytest.approx(0.2)
    assert bleu1("PARIS", "paris") == 1.0


@settings(max_examples=50, deadline=None, database=None)
@given(st.text(alphabet="abc .,!", max_size=30), st.text(alphabet="abc .,!", min_size=1, max_size=30))
def test_bleu1_is_nltk_sentence_bleu_with_unigram_weights(prediction: str, answer: str) -> None:
    from nltk.tokenize import word_tokenize
    from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

    pred = word_tokenize(prediction.lower(), preserve_line=True)
    ref = word_tokenize(answer.lower(), preserve_line=True)
    expected = sentence_bleu([ref], pred, weights=(1, 0, 0, 0), smoothing_function=SmoothingFunction().method1)
    assert bleu1(prediction, answer) == pytest.approx(expected if pred and ref else 0.0)


def test_scoring_version_counts_the_bleu_change_and_the_added_metrics() -> None:
    assert SCORING_VERSION == 3


def test_evidence_recall_at_k() -> None:
    retrieved = ["D2:5", "D9:9", "D1:3"]
    assert evidence_recall(["D1:3", "D2:5"], retrieved, k=2) == 0.5
    assert evidence_recall(["D1:3", "D2:5"], retrieved, k=3) == 1.0
    assert evidence_recall([], retrieved, k=5) is None
    assert evidence_recall(["D"], retrieved, k=5) is None  # no valid id
    with pytest.raises(ValueError, match="k must be"):
        evidence_recall(["D1:3"], retrieved, k=0)


def test_evidence_ids_are_normalised() -> None:
    # real upstream forms: joined by ";" or spaces, a stray colon, a leading zero
    assert normalize_evidence(["D8:6; D9:17"]) == ("D8:6", "D9:17")
    assert normalize_evidence(["D9:1 D4:4 D4:6"]) == ("D9:1", "D4:4", "D4:6")
    assert normalize_evidence(["D:11:26", "D30:05", "D"]) == ("D11:26", "D30:5")
    assert normalize_evidence(["D1:3:5", "D1:3"]) == ("D1:3",)
    # one of two ids in the top 2 -> 0.5
    assert evidence_recall(["D8:6; D9:17"], ["D9:17", "D1:1", "D8:6"], k=2) == 0.5


def test_aggregate() -> None:
    records = [
        {"category": 1, "f1": 0.5, "bleu1": 0.2, "evidence_recall@5": 1.0, "evidence_recall@10": 1.0},
        {"category": 2, "f1": 1.0, "bleu1": 0.4, "evidence_recall@5": None, "evidence_recall@10": None},
        {"category": 1, "f1": 0.0, "bleu1": 0.0, "evidence_recall@5": 0.0, "evidence_recall@10": 0.5},
    ]
    assert aggregate(records) == {
        "scoring_version": SCORING_VERSION,
        "n": 3,
        "f1": 0.5,
        "f1_by_category": {"1": 0.25, "2": 1.0},
        "n_by_category": {"1": 2, "2": 1},
        "bleu1": pytest.approx(0.2),
        "evidence_recall@5": 0.5,
        "evidence_recall@10": 0.75,
    }
    assert aggregate([])["f1"] is None


@settings(max_examples=50, deadline=None, database=None)
@given(st.text(max_size=40), st.text(max_size=40))
def test_scores_lie_in_unit_interval(prediction: str, answer: str) -> None:
    for category in (1, 2, 3, 4, 5):
        assert 0.0 <= score_answer(prediction, answer, category) <= 1.0
    assert 0.0 <= bleu1(prediction, answer) <= 1.0 + 1e-12
    assert normalize_answer(normalize_answer(prediction)) == normalize_answer(prediction)


@settings(max_examples=50, deadline=None, database=None)
@given(st.text(alphabet="abcdefg ,;", max_size=30))
def test_an_answer_scores_full_marks_against_itself(answer: str) -> None:
    if normalize_answer(answer):
        assert f1_score(answer, answer) == 1.0
        assert bleu1(answer, answer) == 1.0

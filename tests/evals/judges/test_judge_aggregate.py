"""Judge accuracy: the mean over questions of the mean of n judgements, the std across the n repeats."""

import pytest

from evals.judges.aggregate import judge_accuracy


def _line(qid, category, sample, label):
    return {"qid": qid, "category": category, "sample": sample, "label": label, "score": int(label == "CORRECT")}


def test_mean_and_std_across_repeats_overall_and_per_category():
    lines = [_line("a", 1, 0, "CORRECT"), _line("a", 1, 1, "CORRECT"), _line("a", 1, 2, "WRONG"),
             _line("b", 2, 0, "WRONG"), _line("b", 2, 1, None), _line("b", 2, 2, "CORRECT")]  # fmt: skip
    result = judge_accuracy(lines, n=3)
    assert result["n"] == 2 and result["accuracy"] == pytest.approx(0.5)
    assert result["by_repeat"] == [0.5, 0.5, 0.5] and result["std"] == 0.0
    assert result["by_category"]["1"]["accuracy"] == pytest.approx(2 / 3)
    assert result["by_category"]["1"]["std"] == pytest.approx(0.4714045)  # repeats 1, 1, 0
    assert result["unparsable"] == 1 and result["unparsable_rate"] == pytest.approx(1 / 6)


def test_no_judgements_give_no_accuracy():
    assert judge_accuracy([], n=2) | {"by_category": None} == {
        "n": 0, "accuracy": None, "std": None, "by_repeat": [], "by_category": None, "unparsable": 0,
        "unparsable_rate": None}  # fmt: skip

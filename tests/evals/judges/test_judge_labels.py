"""Reading judge replies: JSON first, then a lone CORRECT/WRONG word; yes/no as LongMemEval reads it; else None."""

import pytest

from evals.judges.labels import parse_label
from evals.judges.prompts import JSON_LABEL, YES_NO


@pytest.mark.parametrize("reply, label", [
    ('The answer names the same date. {"label": "CORRECT"}', "CORRECT"),
    ('```json\n{"label": "WRONG"}\n```', "WRONG"),
    ('{"reason": "same date"} then {"label": "correct"}', "CORRECT"),
    ("It refers to another person, so it is WRONG.", "WRONG"),
    ("The answer is correct.", "CORRECT"),
    ("The answer is INCORRECT.", None),  # neither word stands alone
    ("Not CORRECT, so WRONG.", None),  # both words: no guess
    ('{"label": "MAYBE"}', None),
    ('{"label": "CORRECT"', "CORRECT"),  # a torn object still names one word
    ("The answer to the question is 7 May 2023.", None),
    ("", None),
])  # fmt: skip
def test_json_label_replies(reply, label):
    assert parse_label(reply, JSON_LABEL) == label


@pytest.mark.parametrize("reply, label", [
    ("Yes.", "CORRECT"), ("yes", "CORRECT"), ("No", "WRONG"), ("no.", "WRONG"),
    ("The response is correct.", None), ("Nothing to add", None),
])  # fmt: skip
def test_yes_no_replies(reply, label):
    assert parse_label(reply, YES_NO) == label


def test_an_unknown_reply_format_is_refused():
    with pytest.raises(ValueError, match="unknown reply format"):
        parse_label("yes", "xml")

"""Reading a judge's reply as a label: CORRECT, WRONG, or None (unparsable, counted as wrong and reported).

JSON-label replies (LoCoMo): the "label" of the first JSON object that has
one; else the one of the words CORRECT / WRONG (any case, whole words, so
INCORRECT is neither) when only one of them occurs. Yes/no replies
(LongMemEval): "yes" anywhere in the lower-cased reply is CORRECT, as
LongMemEval's evaluate_qa.py reads it; else a whole word "no" is WRONG.
Small judges often answer neither way; those replies are None, never guessed.
"""

from __future__ import annotations

import json
import re

from evals.judges.prompts import JSON_LABEL, YES_NO

CORRECT, WRONG = "CORRECT", "WRONG"
_OBJECT = re.compile(r"\{[^{}]*\}")
_WORDS = re.compile(r"\b(correct|wrong)\b", re.IGNORECASE)


def parse_label(reply: str, reply_format: str) -> str | None:
    if reply_format == JSON_LABEL:
        return _json_label(reply) or _single_word(reply)
    if reply_format == YES_NO:
        return _yes_no(reply)
    raise ValueError(f"unknown reply format {reply_format!r}: {JSON_LABEL} or {YES_NO}")


def _json_label(reply: str) -> str | None:
    for match in _OBJECT.finditer(reply):
        try:
            label = json.loads(match.group())
        except json.JSONDecodeError:
            continue
        label = label.get("label") if isinstance(label, dict) else None
        if isinstance(label, str) and label.strip().upper() in (CORRECT, WRONG):
            return label.strip().upper()
    return None


def _single_word(reply: str) -> str | None:
    found = {word.upper() for word in _WORDS.findall(reply)}
    return found.pop() if len(found) == 1 else None


def _yes_no(reply: str) -> str | None:
    lowered = reply.lower()
    if "yes" in lowered:
        return CORRECT
    return WRONG if re.search(r"\bno\b", lowered) else None

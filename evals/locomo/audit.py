"""Corrected gold answers from a LoCoMo audit, for F1 on audited gold beside the official score.

The format is that of dial481/locomo-audit (`audit/errors_conv_<i>.json`): a
JSON list of items with `question_id` ("locomo_<conversation index>_qa<index
in its qa list>"), `question` and `correct_answer` (plus the audit's
reasoning, unused here). Conversation indices follow the release order
(0 = conversation 26, ..., 9 = conversation 50). A file or a folder of
`*.json` files is read; a question whose text differs from the dataset's is
refused (the audit was made on another version).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from evals.datasets.json_fields import Where, read_json_list
from evals.locomo.loader import LOCOMO_FILES_SHA256

RELEASE_ORDER = tuple(name.removesuffix(".json") for name in LOCOMO_FILES_SHA256)
_QUESTION_ID = re.compile(r"locomo_(\d+)_qa(\d+)")


@dataclass(frozen=True)
class Correction:
    qid: str  # ours: "<sample_id>:q<index>"
    question: str
    answer: str


def load_corrections(path: str | Path) -> dict[str, Correction]:
    """Corrections by our qid, from an audit file or a folder of them."""
    source = Path(path)
    if not source.exists():
        raise FileNotFoundError(f"dataset.corrected_answers: {source} does not exist")
    files = sorted(source.glob("*.json")) if source.is_dir() else [source]
    corrections = [_correction(item, Where(file, f"item {n}"))
                   for file in files for n, item in enumerate(read_json_list(file, "audit items"))]
    return {c.qid: c for c in corrections}


def _correction(item: dict, where: Where) -> Correction:
    question_id, question, answer = (where.text(item, key) for key in ("question_id", "question", "correct_answer"))
    match = _QUESTION_ID.fullmatch(question_id)
    if match is None or int(match.group(1)) >= len(RELEASE_ORDER):
        raise where.error(f"question_id {question_id!r} is not locomo_<0-9>_qa<n>")
    return Correction(f"{RELEASE_ORDER[int(match.group(1))]}:q{int(match.group(2))}", question, answer)

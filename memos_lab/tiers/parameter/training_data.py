"""Plaintext memories -> what an adapter is trained on.

Two kinds of example: the statements themselves (plain language-model text),
and question/answer pairs asked in the one prompt template (closed book), so
the adapter learns to answer the questions the tier will be asked. QA pairs
come from the cube (`meta["qa"]`: [[question, answer], ...], written by the
extractor that made the memory), from an LLM when one is given, or else from
a cloze template over the statement.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from memos_lab.cube import MemCube
from memos_lab.models.base import ChatModel

QA_META_KEY = "qa"
_QA_LINE = re.compile(r"Q:\s*(?P<q>.+?)\s*A:\s*(?P<a>.+)", re.DOTALL)
_WRITER_PROMPT = (
    "Write one question that this fact answers, then its short answer, as\n"
    "Q: <question> A: <answer>\n\nFact: {statement}"
)


@dataclass(frozen=True)
class QAPair:
    question: str
    answer: str


@dataclass(frozen=True)
class TrainingSet:
    statements: tuple[str, ...]
    qa: tuple[QAPair, ...]
    source_ids: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.statements) + len(self.qa)


def build_training_set(cubes: Sequence[MemCube], writer: ChatModel | None = None) -> TrainingSet:
    """Statements and QA pairs from plaintext cubes; `writer` adds one LLM-written pair per cube."""
    if not cubes:
        raise ValueError("no cubes to build a training set from")
    statements, qa = [], []
    for cube in cubes:
        statements.append(cube.text.strip())
        pairs = qa_from_meta(cube)
        if writer is not None:
            pairs += written_qa(writer, cube.text)
        qa += pairs or cloze_qa(cube.text)
    return TrainingSet(tuple(statements), tuple(qa), tuple(c.id for c in cubes))


def qa_from_meta(cube: MemCube) -> list[QAPair]:
    raw = cube.header.meta.get(QA_META_KEY, [])
    try:
        return [QAPair(str(q), str(a)) for q, a in raw]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cube {cube.id}: meta[{QA_META_KEY!r}] must be a list of [question, answer] pairs") from exc


def cloze_qa(statement: str, head_fraction: float = 0.6) -> list[QAPair]:
    """'Complete the memory: "<first words> ..."' -> the remaining words (none for one-word statements)."""
    words = statement.strip().split()
    if len(words) < 2:
        return []
    cut = min(max(1, round(len(words) * head_fraction)), len(words) - 1)
    head, tail = " ".join(words[:cut]), " ".join(words[cut:])
    return [QAPair(f'Complete the memory: "{head} ..."', tail.rstrip("."))]


def written_qa(writer: ChatModel, statement: str) -> list[QAPair]:
    """One QA pair written by `writer`; none when its reply does not parse as 'Q: ... A: ...'."""
    reply = writer.chat([{"role": "user", "content": _WRITER_PROMPT.format(statement=statement)}], max_new_tokens=48)
    match = _QA_LINE.search(reply.text)
    if not match:
        return []
    return [QAPair(match["q"].strip(), match["a"].strip().splitlines()[0])]

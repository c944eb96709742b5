"""Conflict detectors for text fusion: do two statements give different values for the same attribute?

A detector sees two statements of the same speaker, the older and the newer,
and the cosine similarity of their words (the caller's embedder), and says
whether the newer one supersedes the older:

- `EmbeddingConflicts`: similarity at or above `threshold`, and a rule check
  that the value differs: the older statement says something the newer one
  does not (content words of the older left out of the newer). Same speaker
  is the subject check (the caller only pairs statements of one speaker).
- `LLMConflicts`: similarity at or above `threshold` (a cheap prefilter),
  then the chat model is asked a yes/no question; an answer that is neither
  is counted and read as "no" (nothing is superseded on a guess).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass

from memos_lab.models.base import ChatModel

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset(
    "a an the and or but of to in on at for with by from as is are was were be been am i i'm i've we we're my "
    "our me us it its this that these those now still just so very really too then than also".split()
)
QUESTION = ("Statement 1 ({older_date}): {older}\nStatement 2 ({newer_date}): {newer}\n"
            "Do these two statements give different values for the same attribute of the same subject "
            "(for example two different home cities of one person)? Answer yes or no.")
SYSTEM = "You compare two statements made by the same person. Answer with one word: yes or no."


@dataclass(frozen=True)
class Statement:
    """What a detector sees of one memory: its words, speaker and date as written."""

    cube_id: str
    words: str
    speaker: str = ""
    date: str = ""


def content_words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text.casefold())) - STOPWORDS


def value_differs(older: Statement, newer: Statement) -> bool:
    """The rule check: the older statement holds content words the newer one lacks."""
    return bool(content_words(older.words) - content_words(newer.words))


class ConflictDetector(ABC):
    name: str

    def __init__(self, threshold: float) -> None:
        if not -1.0 <= threshold <= 1.0:
            raise ValueError(f"{self.name}: threshold={threshold} must be a cosine similarity in [-1, 1]")
        self.threshold = threshold

    @abstractmethod
    def conflicts(self, older: Statement, newer: Statement, similarity: float) -> bool:
        """Whether `newer` gives another value for the attribute `older` is about."""


class EmbeddingConflicts(ConflictDetector):
    name = "embedding"

    def conflicts(self, older: Statement, newer: Statement, similarity: float) -> bool:
        return similarity >= self.threshold and value_differs(older, newer)


class LLMConflicts(ConflictDetector):
    name = "llm"

    def __init__(self, model: ChatModel, threshold: float, max_new_tokens: int = 4) -> None:
        super().__init__(threshold)
        if model is None:
            raise ValueError("fusion.text_merge.detector=llm needs the run's chat model (the `model` group)")
        self.model, self.max_new_tokens = model, max_new_tokens
        self.asked = self.unparsable = 0

    def conflicts(self, older: Statement, newer: Statement, similarity: float) -> bool:
        if similarity < self.threshold:
            return False
        question = QUESTION.format(older=older.words, newer=newer.words, older_date=older.date or "undated",
                                   newer_date=newer.date or "undated")
        reply = self.model.chat([{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}],
                                max_new_tokens=self.max_new_tokens).text
        self.asked += 1
        verdict = yes_or_no(reply)
        self.unparsable += verdict is None
        return bool(verdict)


def yes_or_no(reply: str) -> bool | None:
    """True for a reply starting "yes", False for "no", None otherwise."""
    first = next(iter(_WORD.findall(reply.casefold())), "")
    return {"yes": True, "no": False}.get(first)

"""What every dataset yields: episodes of timestamped memory events, then questions.

An episode is one memory owner's history (a LoCoMo conversation, a LongBench
document, a LongMemEval haystack, a PrefEval dialogue): the events a memory
system ingests, in order, and the questions asked of it afterwards. Events and
questions carry the dataset's own ids, so evidence recall and scoring work the
same for every dataset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class EventKind(str, Enum):
    turn = "turn"  # an utterance in a dialogue
    document = "document"  # a whole text
    chunk = "chunk"  # a piece of a longer text


@dataclass(frozen=True)
class MemoryEvent:
    """One thing to remember. `session` groups events; a change of session is a session boundary."""

    event_id: str
    text: str
    kind: EventKind = EventKind.turn
    time: str = ""  # as the dataset writes it ("1:56 pm on 8 May, 2023", "2023/05/20 (Sat) 02:21")
    speaker: str = ""
    session: str = ""

    def memory_line(self) -> str:
        """How the event reads as memory text: "[time] speaker: text", parts the event lacks left out."""
        line = f"{self.speaker}: {self.text}" if self.speaker else self.text
        return f"[{self.time}] {line}" if self.time else line


@dataclass(frozen=True)
class Question:
    """A question with its gold answers (the first is the reference), evidence event ids and category."""

    qid: str
    question: str
    answers: tuple[str, ...]
    category: int | str
    evidence: tuple[str, ...] = ()
    asked_at: str = ""  # when the question is asked, where the dataset says (LongMemEval's question_date)
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not self.answers:
            raise ValueError(f"question {self.qid!r} has no gold answer")

    @property
    def answer(self) -> str:
        return self.answers[0]

    def for_model(self) -> str:
        """The question as the answering model reads it: with its date when the dataset gives one."""
        return f"(Today is {self.asked_at}.) {self.question}" if self.asked_at else self.question


@dataclass(frozen=True)
class Episode:
    """A memory owner's events and the questions asked after them.

    `instruction` and `max_answer_tokens` are the dataset's answer style (a
    LongBench task's prompt and answer-length limit); None keeps the system's own.
    """

    dataset: str
    episode_id: str
    events: tuple[MemoryEvent, ...]
    questions: tuple[Question, ...]
    instruction: str | None = None
    max_answer_tokens: int | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def namespace(self) -> str:
        """Where a memory system keeps this episode's memories."""
        return f"{self.dataset}-{self.episode_id}"

    @property
    def sessions(self) -> tuple[str, ...]:
        """Session ids in order of first appearance."""
        return tuple(dict.fromkeys(e.session for e in self.events if e.session))

"""The contract of a memory system under evaluation: ingest an episode's
events, then answer its questions."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from evals.datasets.episode import Episode, MemoryEvent, Question
from evals.locomo.loader import Turn


@dataclass(frozen=True)
class SystemAnswer:
    text: str
    prompt_tokens: int
    answer_s: float
    ttft_s: float
    search_s: float = 0.0
    retrieved_refs: tuple[str, ...] = ()
    retrieved_ids: tuple[str, ...] = ()
    searched: bool = False  # True when memory was searched: an empty result then scores recall 0, not "n/a"
    extras: dict[str, Any] = field(default_factory=dict)


class MemorySystem(ABC):
    name: str

    @abstractmethod
    def ingest(self, episode: Episode) -> None:
        """Build this system's memory of one episode (replacing any previous one)."""

    @abstractmethod
    def answer(self, question: Question) -> SystemAnswer: ...

    def restore(self, episode: Episode) -> None:
        """An episode every question of which was answered before this run resumed: count it in the costs
        (`bytes_stored`) without answering from it. By default it is ingested again; a system that can count
        it cheaply overrides this."""
        self.ingest(episode)

    def plan(self, questions: Sequence[Question]) -> None:  # noqa: B027 (optional hook)
        """Called after `ingest` with the questions to come, in order (a clairvoyant policy uses it)."""

    def bytes_stored(self) -> dict[str, int]:
        return {}


def turn_line(turn: Turn) -> str:
    """How a LoCoMo turn reads as memory text: its date, speaker and words (as its episode event does)."""
    return MemoryEvent(turn.dia_id, turn.text, time=turn.date_time, speaker=turn.speaker).memory_line()

"""Baseline: the question alone, no memory."""

from __future__ import annotations

from dataclasses import dataclass

from evals.datasets.episode import Episode, Question
from evals.systems.base import MemorySystem, SystemAnswer
from memos_lab.models.base import ChatModel
from memos_lab.prompts import SYSTEM, MemoryPrompt


@dataclass
class NoMemoryConfig:
    _target_: str = "evals.systems.no_memory.NoMemory"
    _partial_: bool = True
    max_new_tokens: int = 32

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise ValueError(f"memory.max_new_tokens={self.max_new_tokens} must be >= 1")


class NoMemory(MemorySystem):
    name = "none"

    def __init__(self, model: ChatModel, max_new_tokens: int = 32) -> None:
        self.model = model
        self.max_new_tokens = max_new_tokens
        self.system, self.answer_tokens = SYSTEM, max_new_tokens

    def ingest(self, episode: Episode) -> None:
        self.system = episode.instruction or SYSTEM
        self.answer_tokens = episode.max_answer_tokens or self.max_new_tokens

    def answer(self, question: Question) -> SystemAnswer:
        prompt = MemoryPrompt("", question.for_model(), self.system)
        generation = self.model.chat(prompt.messages(), self.answer_tokens)
        return SystemAnswer(generation.text, generation.prompt_tokens, generation.total_s, generation.ttft_s)

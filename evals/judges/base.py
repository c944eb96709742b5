"""The judge contract: a chat model asked one prompt at a time, plus what a result table must say about it.

A judge knows no run directories, records or caches (stage.py does); it
turns a prompt into a `Reply`. Its chat model is built on the first question,
so a rerun answered wholly from the cache loads no model and opens no
connection.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from evals.config import ConfigError
from evals.judges.cache import Reply
from memos_lab.models.base import ChatModel

GPT4O_MINI = "gpt-4o-mini"  # the judge mem0 and MemOS report LoCoMo with


@dataclass
class JudgeSettings:
    """Fields every judge option has (`judge.n=3`, `judge.max_new_tokens=`, `judge.cache=`)."""

    n: int = 1  # judgements per question; metrics give the mean and the std across the n repeats
    max_new_tokens: int = 128  # room for the one-sentence reason the LoCoMo prompt asks before its label
    cache: str | None = None  # SQLite file of replies; null: $XDG_CACHE_HOME/memos_lab/judge/cache.sqlite

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ConfigError(f"judge.n={self.n} must be >= 1")
        if self.max_new_tokens < 1:
            raise ConfigError(f"judge.max_new_tokens={self.max_new_tokens} must be >= 1")


class Judge(ABC):
    kind: str  # "openai" (an endpoint) or "local" (a Hugging Face model in this process)

    def __init__(self, model: str, n: int = 1, max_new_tokens: int = 128, cache: str | None = None) -> None:
        self.model = model
        self.n = n
        self.max_new_tokens = max_new_tokens
        self.cache = cache
        self._chat: ChatModel | None = None

    @property
    def id(self) -> str:
        """The folder name of this judge's results in a run directory: judge/<id>/."""
        return f"{self.kind}-{re.sub(r'[^A-Za-z0-9._-]+', '_', self.model)}"

    @property
    def identity(self) -> str:
        """What, besides the prompt, decides the reply: the cache key's judge part."""
        return f"{self.kind}:{self.model} max_new_tokens={self.max_new_tokens}"

    @property
    def comparable_with_gpt4o_mini(self) -> bool:
        """Whether its accuracy may sit beside published GPT-4o-mini judge figures."""
        return self.kind == "openai" and self.model.startswith(GPT4O_MINI)

    def label(self) -> str:
        """How every table names this judge."""
        note = "" if self.comparable_with_gpt4o_mini else " (not comparable with GPT-4o-mini figures)"
        return f"{self.kind} judge {self.model}, n={self.n}{note}"

    def describe(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "model": self.model, "n": self.n,
                "max_new_tokens": self.max_new_tokens, "label": self.label(),
                "comparable_with_gpt4o_mini": self.comparable_with_gpt4o_mini}  # fmt: skip

    def ask(self, prompt: str) -> Reply:
        if self._chat is None:
            self._chat = self.chat_model()
        generation = self._chat.chat([{"role": "user", "content": prompt}], max_new_tokens=self.max_new_tokens)
        return Reply(generation.text, generation.prompt_tokens, generation.completion_tokens, generation.total_s)

    @abstractmethod
    def chat_model(self) -> ChatModel:
        """Build the model that answers the prompts (called once, on the first question)."""

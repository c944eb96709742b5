"""The narrow contract every answering model backend satisfies."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

Message = dict[str, str]


class ModelNotAvailableError(RuntimeError):
    """A model could not be found or loaded; the message says how to get it."""


@dataclass(frozen=True)
class Generation:
    text: str
    prompt_tokens: int
    completion_tokens: int
    ttft_s: float
    total_s: float


class ChatModel(ABC):
    """Answers chat messages. Backends know nothing of memory."""

    name: str
    context_window: int

    @abstractmethod
    def chat(self, messages: Sequence[Message], max_new_tokens: int = 32) -> Generation: ...

    @abstractmethod
    def count_tokens(self, text: str) -> int: ...

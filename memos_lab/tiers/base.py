"""The contract every answering tier satisfies.

A tier owns one kind of payload and the only code that uses it: the
plaintext tier puts text in the prompt, the activation tier injects KV caches,
the parameter tier loads LoRA adapters. The MemOS facade calls `prepare`
when a namespace's memories change and `respond` for each question.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from memos_lab.cube import Kind, MemCube
from memos_lab.prompts import SYSTEM


@dataclass(frozen=True)
class Response:
    text: str
    prompt_tokens: int
    ttft_s: float
    total_s: float
    extras: dict[str, Any] = field(default_factory=dict)


class AnswerTier(ABC):
    kind: Kind
    use_retrieval: bool = True  # False: the facade skips the search (a closed-book tier)
    system: str = SYSTEM  # the instructions that open every prompt
    max_new_tokens: int = 32

    def set_answer_style(self, system: str, max_new_tokens: int) -> None:
        """Instructions and answer length for what is prepared and answered from now on (a benchmark
        task's own prompt and answer-length limit). Prefixes already cached keep the instructions they
        were built with, so change the style only between namespaces."""
        self.system, self.max_new_tokens = system, max_new_tokens

    def prepare(self, namespace: str, actor: str, cubes: Sequence[MemCube]) -> None:  # noqa: B027 (optional hook)
        """Build this tier's payloads for a namespace from its plaintext cubes (default: nothing)."""

    @abstractmethod
    def respond(self, namespace: str, actor: str, question: str, retrieved: Sequence[MemCube]) -> Response:
        """Answer `question` with this tier's memory of `namespace` plus the retrieved plaintext cubes."""

    def bytes_stored(self) -> int:
        """Bytes of this tier's own payloads (KV caches, adapters); plaintext is counted by the store."""
        return 0

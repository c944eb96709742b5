"""The chat prompts that put memory in front of a question.

One template for every tier, so plaintext, KV and LoRA answers differ only in
where the memory lives, not in what the model is asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from memos_lab.models.base import Message

SYSTEM = (
    "You answer questions about a conversation between people, using the memories given. "
    "Answer with a short phrase. If the memories do not contain the answer, say "
    '"No information available."'
)


@dataclass(frozen=True)
class MemoryPrompt:
    """System text, memory text and question: the three parts of every prompt."""

    memory: str
    question: str
    system: str = SYSTEM

    def system_message(self) -> str:
        """The system turn: instructions, then memory. It is the prefix a KV cube caches."""
        if not self.memory:
            return self.system
        return f"{self.system}\n\nMemories:\n{self.memory}"

    def messages(self) -> list[Message]:
        return [
            {"role": "system", "content": self.system_message()},
            {"role": "user", "content": f"Question: {self.question}\nShort answer:"},
        ]


def format_memories(lines: Sequence[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)

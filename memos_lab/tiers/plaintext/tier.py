"""The plaintext tier answers with retrieved memory text in the prompt."""

from __future__ import annotations

from collections.abc import Sequence

from memos_lab.cube import Kind, MemCube
from memos_lab.models.base import ChatModel
from memos_lab.prompts import SYSTEM, MemoryPrompt, format_memories
from memos_lab.tiers.base import AnswerTier, Response


class PlaintextTier(AnswerTier):
    kind = Kind.PLAINTEXT

    def __init__(self, model: ChatModel, store=None, max_new_tokens: int = 32, system: str = SYSTEM) -> None:
        self.model = model
        self.max_new_tokens, self.system = max_new_tokens, system

    def respond(self, namespace: str, actor: str, question: str, retrieved: Sequence[MemCube]) -> Response:
        prompt = MemoryPrompt(format_memories([c.text for c in retrieved]), question, self.system)
        generation = self.model.chat(prompt.messages(), max_new_tokens=self.max_new_tokens)
        return Response(generation.text, generation.prompt_tokens, generation.ttft_s, generation.total_s)

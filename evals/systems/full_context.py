"""Baseline: as much of the conversation as fits the model's window.

The newest turns that fit are kept, in chronological order with their dates,
in the system turn of the shared prompt. That prefix is pre-filled once per
conversation and its KV cache reused (a fresh copy per question), so each
question costs only its own tokens. The first few answers of a run are also
computed by plain prompting and must match.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from evals.locomo.loader import Conversation, Question, Turn
from evals.systems.base import MemorySystem, SystemAnswer, turn_line
from memos_lab.models.hf_local import HFCausalLM
from memos_lab.prompts import MemoryPrompt, format_memories
from memos_lab.tiers.activation.build import build_memory_kv
from memos_lab.tiers.activation.inject import generate_with_kv

log = logging.getLogger(__name__)


@dataclass
class FullContextConfig:
    _target_: str = "evals.systems.full_context.FullContext"
    _partial_: bool = True
    max_new_tokens: int = 32
    reserve_tokens: int = 256  # window tokens kept free for the question and the answer
    check_questions: int = 3  # the first answers are also computed by plain prompting and must match

    def __post_init__(self) -> None:
        for key in ("max_new_tokens", "reserve_tokens"):
            if getattr(self, key) < 1:
                raise ValueError(f"memory.{key}={getattr(self, key)} must be >= 1")
        if self.check_questions < 0:
            raise ValueError(f"memory.check_questions={self.check_questions} must be >= 0")


class FullContext(MemorySystem):
    name = "full_context"

    def __init__(self, model: HFCausalLM, max_new_tokens: int = 32, reserve_tokens: int = 256,
                 check_questions: int = 3) -> None:
        if reserve_tokens >= model.context_window:
            raise ValueError(
                f"memory.reserve_tokens={reserve_tokens} leaves no room in a {model.context_window}-token window"
            )
        self.model = model
        self.max_new_tokens = max_new_tokens
        self.budget = model.context_window - reserve_tokens
        self.checks_left = check_questions
        self.memory = ""
        self.kv = None
        self.turns_in_context: tuple[str, ...] = ()
        self.prefix_bytes: dict[str, int] = {}  # conversation -> bytes of its pre-filled prefix

    def ingest(self, conversation: Conversation) -> None:
        turns = newest_that_fit(conversation.turns, self.model.count_tokens, self.budget)
        self.turns_in_context = tuple(t.dia_id for t in turns)
        self.memory = format_memories([turn_line(t) for t in turns])
        self.kv = build_memory_kv(self.model, self.memory)
        self.prefix_bytes[conversation.sample_id] = self.kv.nbytes

    def answer(self, question: Question) -> SystemAnswer:
        input_ids = self.model.chat_ids(MemoryPrompt(self.memory, question.question).messages())
        injected = generate_with_kv(self.model, self.kv, input_ids, self.max_new_tokens)
        generation = injected.generation
        extras = {"turns_in_context": len(self.turns_in_context), "kv_reused_tokens": injected.reused_tokens}
        if self.checks_left > 0:
            self.checks_left -= 1
            extras["kv_equals_plain"] = self._check(input_ids, generation.text)
        return SystemAnswer(generation.text, generation.prompt_tokens, generation.total_s, generation.ttft_s,
                            extras=extras)

    def _check(self, input_ids, text: str) -> bool:
        plain = self.model.generate_ids(input_ids, max_new_tokens=self.max_new_tokens).text
        if plain != text:
            log.warning("prefix-cached answer %r differs from plain prompting %r", text, plain)
        return plain == text

    def bytes_stored(self) -> dict[str, int]:
        """KV bytes of every conversation's prefix (each is built, used and dropped in turn)."""
        return {"activation": sum(self.prefix_bytes.values())}


def newest_that_fit(turns: Sequence[Turn], count_tokens, budget: int) -> list[Turn]:
    """The longest run of most recent turns whose lines fit in `budget` tokens, oldest first."""
    kept, used = [], 0
    for turn in reversed(turns):
        used += count_tokens(turn_line(turn)) + 2  # "- " bullet and newline
        if used > budget:
            break
        kept.append(turn)
    return kept[::-1]

"""Baseline: as much of the episode as fits the model's window.

The newest events that fit are kept (`truncation: newest`), or the first and
last that fit half the window each (`middle`, LongBench's rule for inputs
longer than the window; `auto`, the default, picks middle for documents and
newest for dialogues), in order with their dates, in the system turn of the
shared prompt. That prefix is pre-filled once per
conversation and its KV cache reused (a fresh copy per question), so each
question costs only its own tokens. The first few answers of a run are also
computed by plain prompting and must match.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from evals.datasets.episode import Episode, EventKind, MemoryEvent, Question
from evals.systems.base import MemorySystem, SystemAnswer
from memos_lab.models.hf_local import HFCausalLM
from memos_lab.prompts import SYSTEM, MemoryPrompt, format_memories
from memos_lab.tiers.activation.build import build_memory_kv, kv_bytes_per_token, system_turn_ids
from memos_lab.tiers.activation.inject import generate_with_kv

log = logging.getLogger(__name__)


class Truncation(str, Enum):
    auto = "auto"  # middle for documents and chunks, newest for dialogue turns
    newest = "newest"  # the most recent events that fit
    middle = "middle"  # the first and the last events, half the window each; the middle is dropped


@dataclass
class FullContextConfig:
    _target_: str = "evals.systems.full_context.FullContext"
    _partial_: bool = True
    max_new_tokens: int = 32
    reserve_tokens: int = 256  # window tokens kept free for the question and the answer
    check_questions: int = 3  # the first answers are also computed by plain prompting and must match
    truncation: Truncation = Truncation.auto

    def __post_init__(self) -> None:
        for key in ("max_new_tokens", "reserve_tokens"):
            if getattr(self, key) < 1:
                raise ValueError(f"memory.{key}={getattr(self, key)} must be >= 1")
        if self.check_questions < 0:
            raise ValueError(f"memory.check_questions={self.check_questions} must be >= 0")


class FullContext(MemorySystem):
    name = "full_context"

    def __init__(self, model: HFCausalLM, max_new_tokens: int = 32, reserve_tokens: int = 256,
                 check_questions: int = 3, truncation: Truncation | str = Truncation.auto) -> None:
        if reserve_tokens >= model.context_window:
            raise ValueError(
                f"memory.reserve_tokens={reserve_tokens} leaves no room in a {model.context_window}-token window"
            )
        self.model = model
        self.max_new_tokens = max_new_tokens
        self.budget = model.context_window - reserve_tokens
        self.checks_left = check_questions
        self.truncation = Truncation(truncation)
        self.memory, self.system, self.answer_tokens = "", SYSTEM, max_new_tokens
        self.kv = None
        self.events_in_context: tuple[str, ...] = ()
        self.events_total = 0
        self.prefix_bytes: dict[str, int] = {}  # episode -> bytes of its pre-filled prefix

    def ingest(self, episode: Episode) -> None:
        self.answer_tokens = episode.max_answer_tokens or self.max_new_tokens
        events, self.memory, self.system = self._prefix(episode)
        self.events_in_context = tuple(e.event_id for e in events)
        self.events_total = len(episode.events)
        self.kv = build_memory_kv(self.model, self.memory, self.system)
        self.prefix_bytes[episode.episode_id] = self.kv.nbytes

    def restore(self, episode: Episode) -> None:
        """The bytes of the episode's prefix from its token count: the same sum as a prefill, without one."""
        _, memory, system = self._prefix(episode)
        tokens = len(system_turn_ids(self.model, memory, system))
        self.prefix_bytes[episode.episode_id] = tokens * kv_bytes_per_token(self.model)

    def _prefix(self, episode: Episode) -> tuple[list[MemoryEvent], str, str]:
        """The episode's events that fit, the memory text they make, and the system turn it goes in."""
        events = _fitting(episode.events, self.truncation)(episode.events, self.model.count_tokens, self.budget)
        return events, format_memories([e.memory_line() for e in events]), episode.instruction or SYSTEM

    def answer(self, question: Question) -> SystemAnswer:
        input_ids = self.model.chat_ids(MemoryPrompt(self.memory, question.for_model(), self.system).messages())
        injected = generate_with_kv(self.model, self.kv, input_ids, self.answer_tokens)
        generation = injected.generation
        extras = {"events_in_context": len(self.events_in_context), "events_total": self.events_total,
                  "kv_reused_tokens": injected.reused_tokens}
        if self.checks_left > 0:
            self.checks_left -= 1
            extras["kv_equals_plain"] = self._check(input_ids, generation.text)
        return SystemAnswer(generation.text, generation.prompt_tokens, generation.total_s, generation.ttft_s,
                            extras=extras)

    def _check(self, input_ids, text: str) -> bool:
        plain = self.model.generate_ids(input_ids, max_new_tokens=self.answer_tokens).text
        if plain != text:
            log.warning("prefix-cached answer %r differs from plain prompting %r", text, plain)
        return plain == text

    def bytes_stored(self) -> dict[str, int]:
        """KV bytes of every episode's prefix (each is built, used and dropped in turn)."""
        return {"activation": sum(self.prefix_bytes.values())}


def _fitting(events: Sequence[MemoryEvent], truncation: Truncation):
    """The truncation rule for these events."""
    if truncation is Truncation.auto:
        dialogue = all(e.kind is EventKind.turn for e in events)
        truncation = Truncation.newest if dialogue else Truncation.middle
    return newest_that_fit if truncation is Truncation.newest else ends_that_fit


def newest_that_fit(events: Sequence[MemoryEvent], count_tokens, budget: int) -> list[MemoryEvent]:
    """The longest run of most recent events whose lines fit in `budget` tokens, oldest first."""
    kept, used = [], 0
    for event in reversed(events):
        used += _line_tokens(event, count_tokens)
        if used > budget:
            break
        kept.append(event)
    return kept[::-1]


def ends_that_fit(events: Sequence[MemoryEvent], count_tokens, budget: int) -> list[MemoryEvent]:
    """The first events that fit half the budget, then the last that fit the rest, in order."""
    head, used = [], 0
    for event in events:
        cost = _line_tokens(event, count_tokens)
        if used + cost > budget // 2:
            break
        head.append(event)
        used += cost
    tail = newest_that_fit(events[len(head):], count_tokens, budget - used)
    return head + tail


def _line_tokens(event: MemoryEvent, count_tokens) -> int:
    return count_tokens(event.memory_line()) + 2  # "- " bullet and newline

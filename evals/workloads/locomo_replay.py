"""A conversation's questions replayed in a seeded order, with repeats drawn from a Zipf law.

Each conversation's questions get a random popularity ranking (seeded); the
stream draws `queries` questions by Zipf over that ranking, so popular
questions come back and their evidence is worth keeping as KV.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from evals.locomo.loader import Conversation
from evals.workloads.zipf import zipf_draws


@dataclass
class LocomoReplayConfig:
    _target_: str = "evals.workloads.locomo_replay.LocomoReplay"
    queries: int = 100  # questions asked per conversation, repeats included
    exponent: float = 1.0  # Zipf exponent of question popularity
    seed: int = 0

    def __post_init__(self) -> None:
        if self.queries < 1 or self.exponent < 0:
            raise ValueError(f"workload.queries={self.queries} must be >= 1 and exponent={self.exponent} >= 0")


class LocomoReplay:
    def __init__(self, queries: int = 100, exponent: float = 1.0, seed: int = 0) -> None:
        self.queries, self.exponent, self.seed = queries, exponent, seed

    def __call__(self, conversations: Sequence[Conversation]) -> list[Conversation]:
        return [self._replay(c) for c in conversations if c.questions]

    def _replay(self, conversation: Conversation) -> Conversation:
        rng = np.random.default_rng([self.seed, int(conversation.sample_id) if conversation.sample_id.isdigit() else 0])
        ranking = rng.permutation(len(conversation.questions))
        seen: Counter[str] = Counter()
        stream = []
        for rank in zipf_draws(len(ranking), self.queries, self.exponent, rng):
            question = conversation.questions[ranking[rank]]
            stream.append(dataclasses.replace(question, qid=f"{question.qid}#{seen[question.qid]}"))
            seen[question.qid] += 1
        return dataclasses.replace(conversation, questions=tuple(stream))

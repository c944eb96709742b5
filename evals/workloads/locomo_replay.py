"""An episode's questions replayed in a seeded order, with repeats drawn from a Zipf law.

Each episode's questions (a LoCoMo conversation's, or any dataset's) get a random popularity ranking (seeded); the
stream draws `queries` questions by Zipf over that ranking, so popular
questions come back and their evidence is worth keeping as KV.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from evals.datasets.episode import Episode
from evals.workloads.zipf import zipf_draws


@dataclass
class LocomoReplayConfig:
    _target_: str = "evals.workloads.locomo_replay.LocomoReplay"
    queries: int = 100  # questions asked per episode, repeats included
    exponent: float = 1.0  # Zipf exponent of question popularity
    seed: int = 0

    def __post_init__(self) -> None:
        if self.queries < 1 or self.exponent < 0:
            raise ValueError(f"workload.queries={self.queries} must be >= 1 and exponent={self.exponent} >= 0")


class LocomoReplay:
    def __init__(self, queries: int = 100, exponent: float = 1.0, seed: int = 0) -> None:
        self.queries, self.exponent, self.seed = queries, exponent, seed

    def __call__(self, episodes: Sequence[Episode]) -> list[Episode]:
        return [self._replay(e) for e in episodes if e.questions]

    def _replay(self, episode: Episode) -> Episode:
        rng = np.random.default_rng([self.seed, int(episode.episode_id) if episode.episode_id.isdigit() else 0])
        ranking = rng.permutation(len(episode.questions))
        seen: Counter[str] = Counter()
        stream = []
        for rank in zipf_draws(len(ranking), self.queries, self.exponent, rng):
            question = episode.questions[ranking[rank]]
            stream.append(dataclasses.replace(question, qid=f"{question.qid}#{seen[question.qid]}"))
            seen[question.qid] += 1
        return dataclasses.replace(episode, questions=tuple(stream))

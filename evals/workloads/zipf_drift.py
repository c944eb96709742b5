"""Synthetic memories and queries whose popular set shifts every `drift_every` queries.

`memories` facts about fictional people (evals/synthetic_facts.py) are the
memory; each query asks one fact's question, drawn by Zipf over a popularity
ranking that is re-shuffled every `drift_every` queries (seeded). A policy
that only counts (LFU) keeps yesterday's favourites; one that only looks at
recency (LRU) forgets steady ones; the oracle knows the stream. Answers are
exact strings, scored by LoCoMo's single-hop F1 (category 4).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from evals.datasets.episode import Episode, MemoryEvent, Question
from evals.synthetic_facts import generate_facts
from evals.workloads.zipf import zipf_draws

DATE = "1 May 2024"  # every fact is stated in one session


@dataclass
class ZipfDriftConfig:
    _target_: str = "evals.workloads.zipf_drift.ZipfDrift"
    memories: int = 200  # synthetic facts stored as memory
    queries: int = 60  # questions asked, repeats included
    drift_every: int = 20  # queries between popularity reshuffles
    exponent: float = 1.1  # Zipf exponent of popularity
    seed: int = 0

    def __post_init__(self) -> None:
        for key in ("memories", "queries", "drift_every"):
            if getattr(self, key) < 1:
                raise ValueError(f"workload.{key}={getattr(self, key)} must be >= 1")
        if self.exponent < 0:
            raise ValueError(f"workload.exponent={self.exponent} must be >= 0")


class ZipfDrift:
    def __init__(self, memories: int = 200, queries: int = 60, drift_every: int = 20, exponent: float = 1.1,
                 seed: int = 0) -> None:
        self.memories, self.queries, self.drift_every = memories, queries, drift_every
        self.exponent, self.seed = exponent, seed

    def __call__(self, episodes: Sequence[Episode] = ()) -> list[Episode]:
        """The dataset's episodes are not used: this workload makes its own memory."""
        facts = generate_facts(self.memories, seed=self.seed)
        events = tuple(MemoryEvent(f"D1:{i + 1}", fact.statement, time=DATE, speaker="notes", session="1")
                       for i, fact in enumerate(facts))
        # scored as LoCoMo single-hop questions (category 4), so the episode is filed under locomo
        return [Episode("locomo", f"zipf{self.seed}", events, tuple(self._stream(facts)))]

    def _stream(self, facts) -> list[Question]:
        rng = np.random.default_rng(self.seed)
        seen: Counter[int] = Counter()
        stream = []
        for start in range(0, self.queries, self.drift_every):
            ranking = rng.permutation(len(facts))
            for rank in zipf_draws(len(facts), min(self.drift_every, self.queries - start), self.exponent, rng):
                index = int(ranking[rank])
                fact = facts[index]
                qid = f"zipf{self.seed}:{fact.id}#{seen[index]}"
                stream.append(Question(qid, fact.question, (fact.answer,), 4, (f"D1:{index + 1}",)))
                seen[index] += 1
        return stream

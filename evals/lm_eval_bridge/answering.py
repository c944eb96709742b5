"""Answers lm-eval docs through a memory system: the doc's episode found by id and
ingested once, the doc's question answered by `system.answer`, and a record
(the harness's: scores, retrieved ids, evidence recall, tokens, latency)
appended to the run directory's records.jsonl.

Episodes come from the dataset node the model's overrides compose for the
doc's dataset (evals.lm_eval_bridge.config.dataset_node), so a doc of an
episode the config leaves out is an error naming the key, not a silent miss.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evals.datasets.base import Dataset
from evals.datasets.episode import Episode
from evals.harness import score_record
from evals.lm_eval_bridge.config import ModelArgsError, dataset_node
from evals.lm_eval_bridge.docs import doc_episode, doc_question
from evals.records import RecordsFile
from evals.systems.base import MemorySystem


class DocAnswerer:
    def __init__(self, system: MemorySystem, overrides: Sequence[str], run_dir: Path) -> None:
        self.system, self.overrides = system, list(overrides)
        self.records = RecordsFile(run_dir / "records.jsonl")
        self.datasets: dict[str, tuple[Dataset, dict[str, Episode]]] = {}
        self.ingested: tuple[str, str] | None = None  # (dataset, episode id) the system holds now

    def answer(self, doc: Mapping[str, Any]) -> str:
        """The memory system's output for the doc's question, after ingesting its episode if needed."""
        dataset, episode = self.episode(*doc_episode(doc))
        question = doc_question(doc)
        if self.ingested != (episode.dataset, episode.episode_id):
            self.system.ingest(episode)
            self.ingested = (episode.dataset, episode.episode_id)
        answer = self.system.answer(question)
        self.records.append(score_record(dataset, question, answer) | {"episode": episode.episode_id})
        return answer.text

    def episode(self, name: str, episode_id: str) -> tuple[Dataset, Episode]:
        if name not in self.datasets:
            self.datasets[name] = self._load(name)
        dataset, episodes = self.datasets[name]
        if episode_id not in episodes:
            raise ModelArgsError(f"episode {episode_id!r} of {name} is not in the model's dataset selection "
                                 f"({', '.join(sorted(episodes)[:10])}): give the task and the model the same "
                                 "dataset.* overrides")
        return dataset, episodes[episode_id]

    def _load(self, name: str) -> tuple[Dataset, dict[str, Episode]]:
        from hydra.utils import instantiate

        dataset = instantiate(dataset_node(name, self.overrides))
        return dataset, {episode.episode_id: episode for episode in dataset.load()}

"""MemOS under evaluation: every event becomes a plaintext cube in the
episode's namespace; answers come from retrieval plus the chosen tier,
with the memory scheduler between them when a policy is configured."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from omegaconf import MISSING

from evals.datasets.episode import Episode, MemoryEvent, Question
from evals.systems.base import MemorySystem, SystemAnswer
from memos_lab.cube import Provenance
from memos_lab.memos import MemoryItem, MemOS
from memos_lab.models.embedder import Embedder
from memos_lab.models.hf_local import HFCausalLM
from memos_lab.store import CubeStore
from memos_lab.tiers.base import AnswerTier
from memos_lab.tiers.plaintext.config import RetrievalConfig
from memos_lab.tiers.plaintext.retriever import Retriever


class RetrievalMode(str, Enum):
    dense = "dense"
    lexical = "lexical"
    hybrid = "hybrid"


@dataclass
class MemOSSystemConfig:
    _target_: str = "evals.systems.memos_system.MemOSSystem"
    _partial_: bool = True
    embedder: Any = MISSING  # an embedder node (the `embedder` group)
    tier: Any = MISSING  # a tier node (the `tier` group)
    store_dir: str = MISSING  # where the run's cube store lives
    top_k: int = 10  # memories retrieved per question (0: no retrieval)
    mode: RetrievalMode = RetrievalMode.hybrid
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)  # memos_lab/tiers/plaintext/README.md
    embedding_cache: str | None = None  # where embeddings persist (a restart does not re-encode); None: off
    fusion: Any = None  # {name: operator node} (the `fusion` group: text_merge after ingest, lora_merge); None: off
    dated_history: bool = True  # a question naming a day is searched as of that day (memos_lab/history.py)

    def __post_init__(self) -> None:
        if self.top_k < 0:
            raise ValueError(f"memory.top_k={self.top_k} must be >= 0")


class MemOSSystem(MemorySystem):
    name = "memos"

    def __init__(
        self,
        model: HFCausalLM,
        embedder: Embedder,
        tier: Callable[..., AnswerTier],
        store_dir: str,
        top_k: int = 10,
        mode: RetrievalMode | str = "hybrid",
        scheduler: Any = None,
        retrieval: RetrievalConfig | Mapping[str, Any] | None = None,
        embedding_cache: str | None = None,
        fusion: Mapping[str, Callable[..., Any]] | None = None,
        dated_history: bool = True,
    ) -> None:
        self.store = CubeStore(Path(store_dir))
        answer_tier = tier(model=model, store=self.store)
        self.fusion = fusion_operators(fusion, answer_tier, embedder=embedder, model=model)
        self.memos = MemOS(
            self.store,
            Retriever(embedder, config=retrieval, cache_dir=embedding_cache),
            answer_tier,
            top_k=top_k,
            mode=RetrievalMode(mode).value,
            count_tokens=model.count_tokens,
            scheduler=scheduler,
            fusion=next((op for op in self.fusion if hasattr(op, "apply")), None),
            dated_history=dated_history,
        )
        self.namespace = self.actor = ""
        self.ingested: dict[str, str] = {}  # namespace -> actor, for the costs of every episode
        self.answer_style = self.memos.tier.system, self.memos.tier.max_new_tokens  # the configured defaults

    def ingest(self, episode: Episode) -> None:
        self.namespace, self.actor = episode.namespace, _actor(episode)
        self.ingested[self.namespace] = self.actor
        system, max_new_tokens = self.answer_style
        self.memos.tier.set_answer_style(episode.instruction or system, episode.max_answer_tokens or max_new_tokens)
        if self.store.list(self.actor, namespace=self.namespace):  # resuming a run: the store has it
            self.memos.reindex(self.namespace, self.actor)
        else:
            items = [_memory_item(episode, event) for event in episode.events]
            self.memos.remember(items, self.namespace, self.actor)
        self.memos.fuse(self.namespace, self.actor)  # a no-op without fusion; fusing again changes nothing
        self.memos.commit(self.namespace, self.actor)

    def restore(self, episode: Episode) -> None:
        """Where the store holds the episode its cubes count in the costs and nothing is re-indexed; an episode
        answered elsewhere (a shard's, evals/adopt.py) is ingested into this run's store."""
        if not self.store.list(_actor(episode), namespace=episode.namespace):
            self.ingest(episode)
        self.ingested[episode.namespace] = _actor(episode)

    def answer(self, question: Question) -> SystemAnswer:
        answer = self.memos.answer(question.for_model(), self.namespace, self.actor, query=question.question)
        response = answer.response
        return SystemAnswer(
            text=answer.text,
            prompt_tokens=response.prompt_tokens,
            answer_s=response.total_s,
            ttft_s=response.ttft_s,
            search_s=answer.search_s,
            retrieved_refs=tuple(ref for cube in answer.retrieved for ref in cube.header.provenance.refs),
            retrieved_ids=tuple(cube.id for cube in answer.retrieved),
            searched=answer.searched,
            extras={**response.extras, **answer.scheduling},
        )

    def plan(self, questions) -> None:
        self.memos.plan([q.question for q in questions], self.namespace, self.actor)

    @property
    def scheduling_summary(self) -> dict | None:
        return None if self.memos.scheduler is None else self.memos.scheduler.summary()

    @property
    def scheduling_series(self) -> list[dict] | None:
        return None if self.memos.scheduler is None else self.memos.scheduler.series()

    @property
    def fusion_summary(self) -> dict | None:
        """What fusion did over every episode, read from the store (so a resumed run counts it all)."""
        if not self.fusion:
            return None
        summary: dict[str, Any] = {"operators": [op.name for op in self.fusion]}
        for op in self.fusion:
            summary |= op.summary(self.store, self.ingested.items())
        return summary

    def bytes_stored(self) -> dict[str, int]:
        """Bytes per tier over every conversation this system ingested."""
        return self.memos.bytes_stored(self.ingested.items())


def fusion_operators(nodes: Mapping[str, Callable[..., Any]] | None, tier: AnswerTier, **available: Any) -> list:
    """The configured fusion operators, each given what its factory asks for of `available` (the embedder, the
    chat model); one that works inside a tier (lora_merge) is attached to it. At most one fuses the store."""
    operators = []
    for factory in (nodes or {}).values():
        accepted = inspect.signature(factory).parameters
        operator = factory(**{key: value for key, value in available.items() if key in accepted})
        if hasattr(operator, "attach"):
            operator.attach(tier)
        operators.append(operator)
    if sum(hasattr(op, "apply") for op in operators) > 1:
        raise ValueError(f"fusion: at most one operator may fuse the stored text, got {list(nodes or {})}")
    return operators


def _actor(episode: Episode) -> str:
    return f"speakers-{episode.episode_id}"


def _memory_item(episode: Episode, event: MemoryEvent) -> MemoryItem:
    return MemoryItem(
        text=event.memory_line(),
        provenance=Provenance(source=f"{episode.dataset}:{episode.episode_id}", refs=(event.event_id,),
                              operator="ingest"),
        meta={"speaker": event.speaker, "date_time": event.time, "session": _session(event.session)},
    )


def _session(session: str) -> int | str:
    """A numbered session as its number (memories are ordered by it), any other id as given."""
    return int(session) if session.isdigit() else session

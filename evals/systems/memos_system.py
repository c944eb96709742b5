"""MemOS under evaluation: every turn becomes a plaintext cube in the
conversation's namespace; answers come from retrieval plus the chosen tier."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from evals.locomo.loader import Conversation, Question, Turn
from evals.systems.base import MemorySystem, SystemAnswer, turn_line
from memos_lab.cube import Provenance
from memos_lab.memos import MemoryItem, MemOS
from memos_lab.models.embedder import Embedder
from memos_lab.models.hf_local import HFCausalLM
from memos_lab.store import CubeStore
from memos_lab.tiers.base import AnswerTier
from memos_lab.tiers.plaintext.retriever import Mode, Retriever


class MemOSSystem(MemorySystem):
    name = "memos"

    def __init__(
        self,
        model: HFCausalLM,
        embedder: Embedder,
        tier: Callable[..., AnswerTier],
        store_dir: str,
        top_k: int = 10,
        mode: Mode = "hybrid",
    ) -> None:
        self.store = CubeStore(Path(store_dir))
        self.memos = MemOS(
            self.store,
            Retriever(embedder),
            tier(model=model, store=self.store),
            top_k=top_k,
            mode=mode,
            count_tokens=model.count_tokens,
        )
        self.namespace = self.actor = ""

    def ingest(self, conversation: Conversation) -> None:
        self.namespace = f"locomo-{conversation.sample_id}"
        self.actor = f"speakers-{conversation.sample_id}"
        if self.store.list(self.actor, namespace=self.namespace):  # resuming a run: the store has it
            self.memos.reindex(self.namespace, self.actor)
        else:
            items = [_memory_item(conversation.sample_id, turn) for turn in conversation.turns]
            self.memos.remember(items, self.namespace, self.actor)
        self.memos.commit(self.namespace, self.actor)

    def answer(self, question: Question) -> SystemAnswer:
        answer = self.memos.answer(question.question, self.namespace, self.actor)
        response = answer.response
        return SystemAnswer(
            text=answer.text,
            prompt_tokens=response.prompt_tokens,
            answer_s=response.total_s,
            ttft_s=response.ttft_s,
            search_s=answer.search_s,
            retrieved_refs=tuple(ref for cube in answer.retrieved for ref in cube.header.provenance.refs),
            retrieved_ids=tuple(cube.id for cube in answer.retrieved),
            extras=response.extras,
        )

    def bytes_stored(self) -> dict[str, int]:
        return self.memos.bytes_stored(self.actor)


def _memory_item(sample_id: str, turn: Turn) -> MemoryItem:
    return MemoryItem(
        text=turn_line(turn),
        provenance=Provenance(source=f"locomo:{sample_id}", refs=(turn.dia_id,), operator="ingest"),
        meta={"speaker": turn.speaker, "date_time": turn.date_time, "session": turn.session},
    )

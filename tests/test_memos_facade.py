"""The MemOS facade: remember, search (access-checked), answer through a tier."""

import pytest

from memos_lab.cube import Kind, Provenance
from memos_lab.memos import MemoryItem, MemOS
from memos_lab.store import CubeStore
from memos_lab.tiers.base import AnswerTier, Response
from memos_lab.tiers.plaintext.retriever import Retriever


class RetrievedTexts(AnswerTier):
    """A reference tier that answers with the texts it was handed."""

    kind = Kind.PLAINTEXT

    def __init__(self, use_retrieval=True):
        self.use_retrieval = use_retrieval

    def respond(self, namespace, actor, question, retrieved):
        return Response(" | ".join(c.text for c in retrieved), 0, 0.0, 0.0)


FACTS = ["Alice keeps a cat named Miso.", "Alice moved to Lisbon in 2021.", "Alice plays the cello."]


def _memos(tmp_path, minilm, tier):
    return MemOS(CubeStore(tmp_path / "store"), Retriever(minilm), tier, top_k=2, mode="hybrid")


def test_remember_then_answer_with_the_relevant_memory(tmp_path, minilm):
    memos = _memos(tmp_path, minilm, RetrievedTexts())
    cubes = memos.remember([MemoryItem(f, Provenance(source="test", refs=(str(i),))) for i, f in enumerate(FACTS)],
                           namespace="alice", actor="alice")
    assert [c.header.provenance.refs for c in cubes] == [("0",), ("1",), ("2",)]
    answer = memos.answer("What is the name of Alice's cat?", "alice", "alice")
    assert answer.retrieved[0].text == FACTS[0] and len(answer.hits) == 2
    assert memos.bytes_stored([("alice", "alice")]) == {"plaintext": sum(len(f.encode()) for f in FACTS)}


def test_an_actor_who_may_read_nothing_of_the_namespace_is_refused(tmp_path, minilm):
    from memos_lab.store.errors import AccessDeniedError

    memos = _memos(tmp_path, minilm, RetrievedTexts())
    memos.remember([MemoryItem(f) for f in FACTS], namespace="alice", actor="alice")
    with pytest.raises(AccessDeniedError, match="mallory"):
        memos.answer("Alice's cat?", "alice", "mallory")


def test_a_closed_book_tier_is_not_searched(tmp_path, minilm):
    memos = _memos(tmp_path, minilm, RetrievedTexts(use_retrieval=False))
    memos.remember([MemoryItem(f) for f in FACTS], namespace="alice", actor="alice")
    answer = memos.answer("Alice's cat?", "alice", "alice")
    assert answer.hits == [] and answer.text == ""


def test_reindex_restores_search_after_a_restart(tmp_path, minilm):
    first = _memos(tmp_path, minilm, RetrievedTexts())
    first.remember([MemoryItem(f) for f in FACTS], namespace="alice", actor="alice")
    first.store.close()
    second = _memos(tmp_path, minilm, RetrievedTexts())
    assert second.answer("cello?", "alice", "alice").retrieved == []
    second.reindex("alice", "alice")
    assert second.answer("Who plays the cello?", "alice", "alice").retrieved[0].text == FACTS[2]

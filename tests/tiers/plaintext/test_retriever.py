import pytest

from evals.locomo.scoring import normalize_evidence
from evals.systems.base import turn_line
from memos_lab.cube import Provenance, plaintext_cube
from memos_lab.tiers.plaintext.fusion import reciprocal_rank_fusion
from memos_lab.tiers.plaintext.retriever import Retriever

# Questions of conversation 26 whose evidence is a single turn.
KNOWN_QIDS = ("26:q0", "26:q5", "26:q6", "26:q9", "26:q12", "26:q17", "26:q21", "26:q28")


@pytest.fixture(scope="module")
def conversation(locomo):
    return locomo["26"]


@pytest.fixture(scope="module")
def retriever(minilm, conversation):
    retriever = Retriever(minilm)
    retriever.add([_cube(conversation.sample_id, turn) for turn in conversation.turns])
    return retriever


def _cube(sample_id, turn, namespace="conv26"):
    return plaintext_cube(turn_line(turn), namespace=namespace, owner="tester", cube_id=f"{namespace}:{turn.dia_id}",
                          provenance=Provenance(source=f"locomo:{sample_id}", refs=(turn.dia_id,)))


def _dia_ids(hits):
    return [hit.cube_id.split(":", 1)[1] for hit in hits]


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_evidence_turn_is_in_top_10(retriever, conversation, mode):
    questions = {q.qid: q for q in conversation.questions}
    for qid in KNOWN_QIDS:
        top = _dia_ids(retriever.search(questions[qid].question, "conv26", k=10, mode=mode))
        assert set(normalize_evidence(questions[qid].evidence)) <= set(top), f"{mode}: {qid}"


def test_hybrid_ranks_the_support_group_turn_first(retriever, conversation):
    question = {q.qid: q for q in conversation.questions}["26:q0"]
    assert _dia_ids(retriever.search(question.question, "conv26", k=1, mode="hybrid")) == ["D1:3"]


def test_namespaces_are_partitioned(minilm, conversation):
    retriever = Retriever(minilm)
    turns = conversation.turns[:40]
    retriever.add([_cube("26", t, "alice") for t in turns[:20]] + [_cube("26", t, "bob") for t in turns[20:]])
    hits = retriever.search("support group", "alice", k=50, mode="hybrid")
    assert hits and all(hit.cube_id.startswith("alice:") for hit in hits)
    assert retriever.search("support group", "nobody", k=5) == []


def test_allowed_filter_restricts_hits(retriever):
    allowed = {"conv26:D1:3", "conv26:D1:5"}
    hits = retriever.search("LGBTQ support group", "conv26", k=10, mode="hybrid", allowed=allowed)
    assert {h.cube_id for h in hits} <= allowed and hits


def test_unknown_mode_is_refused(retriever):
    with pytest.raises(ValueError, match="unknown retrieval mode 'sparse'"):
        retriever.search("x", "conv26", k=3, mode="sparse")


def test_rrf_rewards_agreement():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "a", "d"]], k=60)
    assert [item for item, _ in fused][:2] == ["a", "b"] or [item for item, _ in fused][:2] == ["b", "a"]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)
    assert {item for item, _ in fused} == {"a", "b", "c", "d"}
    assert fused[-1][1] == pytest.approx(1 / 63)

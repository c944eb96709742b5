"""Each retrieval option on small real data (conversation 26, the real MiniLM)."""

from datetime import date

import pytest

from memos_lab.models.base import ModelNotAvailableError
from memos_lab.tiers.plaintext.config import Fields, RetrievalConfig
from memos_lab.tiers.plaintext.dates import parse_date, parse_query, time_score
from memos_lab.tiers.plaintext.decompose import sub_queries
from memos_lab.tiers.plaintext.lines import indexed_text, parts
from memos_lab.tiers.plaintext.retriever import Retriever

OLD = dict(stemmer="none", date_in="both", speaker_in="both", time_aware=False, decompose=False, neighbours=0,
           fusion="rrf", rrf_k=60, context_turns=0, candidates=50)


@pytest.fixture(scope="module")
def cubes(locomo, make_cube):
    return [make_cube("26", turn) for turn in locomo["26"].turns]


def test_what_each_index_sees(cubes):
    line = parts(cubes[0])
    assert line.date == "1:56 pm on 8 May, 2023" and line.speaker == "Caroline"
    assert indexed_text(line, Fields.lexical, Fields.both, "dense") == "Caroline: " + line.words
    assert indexed_text(line, Fields.lexical, Fields.both, "lexical") == cubes[0].text


def test_dates_and_time_questions():
    assert parse_date("1:56 pm on 8 May, 2023") == date(2023, 5, 8)
    assert parse_date("May 8, 2023") == date(2023, 5, 8) and parse_date("no date") is None
    q = parse_query("What did Caroline do last year?", now=date(2023, 10, 22))
    assert q.spans == ((date(2022, 1, 1), date(2022, 12, 31)),) and not q.asks_when
    assert time_score(q, date(2022, 6, 1), "anything") == 1 and time_score(q, date(2023, 6, 1), "x") == 0
    when = parse_query("When did Melanie paint a sunrise?", now=None)
    assert when.asks_when and time_score(when, None, "I painted it last year") == 1
    assert not parse_query("What may Melanie like?", now=None).temporal


def test_rules_decompose_two_people_and_clauses():
    assert sub_queries("What have Caroline and Melanie both painted?")[:2] == [
        "What have Caroline both painted?",
        "What have Melanie both painted?",
    ]
    assert "activities partake" in sub_queries("What activities does Melanie partake in?")
    assert sub_queries("Why?") == []


def test_neighbours_follow_hits_in_turn_order_and_count_toward_k(minilm, cubes, cache_dir):
    retriever = Retriever(minilm, RetrievalConfig(**{**OLD, "neighbours": 1, "neighbour_hits": 1}), cache_dir=cache_dir)
    retriever.add(list(reversed(cubes)))  # add order must not matter: provenance order does
    hits = retriever.search("LGBTQ support group", "conv26", k=3)
    assert len(hits) == 3 and hits[0].neighbour_of is None
    first = hits[0].cube_id.split(":", 1)[1]
    session, turn = (int(x) for x in first[1:].split(":"))
    assert {h.cube_id for h in hits[1:]} == {f"conv26:D{session}:{turn - 1}", f"conv26:D{session}:{turn + 1}"}
    assert all(h.neighbour_of == hits[0].cube_id for h in hits[1:])


def test_neighbours_respect_the_token_budget_and_allowed(minilm, cubes, cache_dir):
    config = RetrievalConfig(**{**OLD, "neighbours": 2, "neighbour_tokens": 1})
    retriever = Retriever(minilm, config, cache_dir=cache_dir)
    retriever.add(cubes)
    hits = retriever.search("LGBTQ support group", "conv26", k=5)
    assert all(h.neighbour_of is None for h in hits)
    allowed = {"conv26:D1:3"}
    wide = Retriever(minilm, RetrievalConfig(**{**OLD, "neighbours": 2}), cache_dir=cache_dir)
    wide.add(cubes)
    assert [h.cube_id for h in wide.search("LGBTQ support group", "conv26", k=5, allowed=allowed)] == ["conv26:D1:3"]


def test_off_path_equals_the_old_retriever(minilm, cubes, locomo, cache_dir):
    """With every new option off, the ranking is plain RRF of the dense and lexical lists."""
    from memos_lab.tiers.plaintext.fusion import reciprocal_rank_fusion

    retriever = Retriever(minilm, RetrievalConfig(**OLD), cache_dir=cache_dir)
    retriever.add(cubes)
    space = retriever._spaces["conv26"]
    for q in locomo["26"].questions[:10]:
        expected = reciprocal_rank_fusion(
            [[i for i, _ in space.dense.search(q.question, 50)], [i for i, _ in space.lexical.search(q.question, 50)]]
        )
        assert [h.cube_id for h in retriever.search(q.question, "conv26", k=10)] == [i for i, _ in expected[:10]]


@pytest.mark.parametrize("option", [{"time_aware": True}, {"decompose": True}, {"stemmer": "snowball"}, {}])
def test_each_option_keeps_the_contract(minilm, cubes, option, cache_dir):
    retriever = Retriever(minilm, RetrievalConfig(**{**OLD, **option}), cache_dir=cache_dir)
    retriever.add(cubes)
    for mode in ("dense", "lexical", "hybrid"):
        hits = retriever.search("When did Caroline go to the LGBTQ support group?", "conv26", k=7, mode=mode)
        assert 0 < len(hits) <= 7 and len({h.cube_id for h in hits}) == len(hits)


def test_time_aware_lifts_a_when_answer(minilm, cubes, cache_dir):
    question = "When did Caroline go to the LGBTQ support group?"
    plain = Retriever(minilm, RetrievalConfig(**OLD), cache_dir=cache_dir)
    timed = Retriever(minilm, RetrievalConfig(**{**OLD, "time_aware": True, "time_weight": 1.0}), cache_dir=cache_dir)
    for r in (plain, timed):
        r.add(cubes)
    rank = {name: [h.cube_id for h in r.search(question, "conv26", k=20)].index("conv26:D1:3")
            for name, r in (("plain", plain), ("timed", timed))}
    assert rank["timed"] <= rank["plain"]


def test_an_unavailable_rerank_model_fails_at_startup(minilm):
    with pytest.raises(ModelNotAvailableError, match=r"memory\.retrieval\.rerank_model='no-such/cross-encoder'"):
        Retriever(minilm, RetrievalConfig(rerank_model="no-such/cross-encoder"))


def test_rerank_off_builds_no_reranker(minilm):
    assert Retriever(minilm).reranker is None


def test_context_turns_index_the_previous_turn_with_each_memory(minilm, cubes, cache_dir):
    retriever = Retriever(minilm, RetrievalConfig(**{**OLD, "context_turns": 1, "context_in": "lexical"}),
                          cache_dir=cache_dir)
    retriever.add(list(reversed(cubes[:6])))
    space = retriever._spaces["conv26"]
    assert space.order.before("conv26:D1:3", 1) == ["conv26:D1:2"] and space.order.before("conv26:D1:1", 1) == []
    # D1:3's lexical text now holds D1:2's words, so a word only D1:2 has finds D1:3 too
    only_in_d12 = next(w for w in space.lexical.tokenize(cubes[1].text)
                       if all(w not in space.lexical.tokenize(c.text) for c in cubes[:6] if c is not cubes[1]))
    found = {i for i, _ in space.lexical.search(only_in_d12, 6)}
    assert found == {"conv26:D1:2", "conv26:D1:3"}

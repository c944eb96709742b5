"""Version history at a date: after text_merge, a question naming a day is served the value that held then,
a question about now the current value; without fusion, naming a day changes nothing."""

from __future__ import annotations

from datetime import date

import pytest

from memos_lab.cube import CubeHeader, Kind, Lifecycle
from memos_lab.history import day_named, served_on
from memos_lab.memos import MemOS
from memos_lab.operators.text_merge import TextMerge, fusion_counts
from memos_lab.store import CubeStore
from memos_lab.tiers.plaintext.retriever import Retriever
from memos_lab.tiers.plaintext.tier import PlaintextTier
from tests.operators.test_text_merge import remember

CHAIN = [  # three homes: Paris from 3 March, Lyon from 20 May, Porto from 2 August
    ("D1:1", "10:00 am on 3 March, 2023", "I live in Paris."),
    ("D1:2", "10:03 am on 3 March, 2023", "I play the cello."),
    ("D2:1", "4:00 pm on 20 May, 2023", "I moved to Lyon last month."),
    ("D3:1", "9:00 am on 2 August, 2023", "I left Lyon and moved to Porto."),
]


def _memos(tmp_path, minilm, fused: bool, model=None) -> MemOS:
    store = CubeStore(tmp_path / "store")
    return MemOS(store, Retriever(minilm), PlaintextTier(model=model, max_new_tokens=2), top_k=4,
                 fusion=TextMerge(minilm) if fused else None)


HOMES = {"D1:1": "Paris", "D2:1": "Lyon", "D3:1": "Porto"}  # the statement that set each home


def _homes(memos: MemOS, question: str) -> set[str]:
    _, cubes = memos.search(question, "alice", "alice", as_of=day_named(question))
    return {HOMES[ref] for c in cubes for ref in c.header.provenance.refs if ref in HOMES}


@pytest.mark.parametrize(("question", "home"), [
    ("Where does Alice live now?", "Porto"),
    ("Where did Alice live on 14 April, 2023?", "Paris"),
    ("Where did Alice live on 20 June, 2023?", "Lyon"),
    ("Where did Alice live on 1 September, 2023?", "Porto"),
])
def test_a_question_naming_a_day_is_served_the_value_that_held_then(tmp_path, minilm, one_torch_thread, question,
                                                                     home):
    memos = _memos(tmp_path, minilm, fused=True)
    remember(memos, CHAIN)
    assert memos.fuse("alice", "alice").summary()["superseded"] == 2
    assert _homes(memos, question) == {home}
    assert fusion_counts(memos.store, [("alice", "alice")]) == {"merged": 0, "superseded": 2}
    memos.store.close()


def test_a_day_before_anything_was_said_serves_no_value_of_the_chain(tmp_path, minilm, one_torch_thread):
    memos = _memos(tmp_path, minilm, fused=True)
    remember(memos, CHAIN)
    memos.fuse("alice", "alice")
    assert _homes(memos, "Where did Alice live on 1 January, 2023?") == set()
    memos.store.close()


def test_without_fusion_naming_a_day_serves_what_a_live_search_serves(tmp_path, minilm, one_torch_thread):
    memos = _memos(tmp_path, minilm, fused=False)
    remember(memos, CHAIN)
    question = "Where did Alice live on 14 April, 2023?"
    dated = memos.search(question, "alice", "alice", as_of=day_named(question))[1]
    live = memos.search(question, "alice", "alice")[1]
    assert [c.id for c in dated] == [c.id for c in live]
    memos.store.close()


def test_the_answer_path_searches_as_of_the_day_in_the_query_not_today(tmp_path, minilm, smollm2,
                                                                       one_torch_thread):
    memos = _memos(tmp_path, minilm, fused=True, model=smollm2)
    remember(memos, CHAIN)
    memos.fuse("alice", "alice")
    question = "Where did Alice live on 14 April, 2023?"
    answer = memos.answer(f"(Today is 1 October, 2023.) {question}", "alice", "alice", query=question)
    assert "Paris" in _texts(answer.retrieved) and "Porto" not in _texts(answer.retrieved)
    memos.dated_history = False
    answer = memos.answer(question, "alice", "alice")
    assert "Paris" not in _texts(answer.retrieved)  # archived: only served as of a day
    memos.store.close()


def _texts(cubes) -> str:
    return " ".join(c.text for c in cubes)


def _header(state: Lifecycle, **meta) -> CubeHeader:
    _header.made += 1
    return CubeHeader(id=f"c{_header.made}", namespace="n", owner="o", kind=Kind.PLAINTEXT, state=state, meta=meta)


_header.made = 0


def test_intervals_are_half_open_and_untouched_cubes_are_served_as_always():
    old = _header(Lifecycle.ARCHIVED, valid_from="2023-03-03", valid_until="2023-05-20")
    new = _header(Lifecycle.GENERATED, valid_from="2023-05-20", fusion=[{"rule": "supersede"}])
    plain, merged = _header(Lifecycle.GENERATED), _header(Lifecycle.MERGED)
    archived = _header(Lifecycle.ARCHIVED)  # archived by something other than supersession
    headers = [old, new, plain, merged, archived]
    assert served_on(headers, date(2023, 5, 19)) == {old.id, plain.id}
    assert served_on(headers, date(2023, 5, 20)) == {new.id, plain.id}
    assert served_on(headers, date(2023, 3, 2)) == {plain.id}
    assert day_named("What did she say?") is None and day_named("on 2023-05-20") == date(2023, 5, 20)

"""text_merge over a real CubeStore with MiniLM: duplicates merge, a newer statement supersedes the older
as a new version, the older stays in history with a legal lifecycle, and search serves the new value."""

from __future__ import annotations

import pytest

from evals.datasets.knowledge_update.dataset import INSTRUCTION
from memos_lab.cube import Lifecycle, Provenance
from memos_lab.memos import MemoryItem, MemOS
from memos_lab.operators.conflicts import LLMConflicts, Statement, value_differs, yes_or_no
from memos_lab.operators.text_merge import OPERATOR, TextMerge, TextMergeConfig
from memos_lab.store import CubeStore
from memos_lab.tiers.plaintext.retriever import Retriever
from memos_lab.tiers.plaintext.tier import PlaintextTier

LINES = [  # (ref, date, words)
    ("D1:1", "10:00 am on 3 March, 2023", "I live in Paris."),
    ("D1:2", "10:03 am on 3 March, 2023", "I play the cello."),
    ("D1:3", "10:06 am on 3 March, 2023", "I watched a documentary about volcanoes."),
    ("D2:1", "4:00 pm on 20 May, 2023", "I moved to Lyon last month."),
    ("D2:2", "4:03 pm on 20 May, 2023", "I watched a documentary about volcanoes."),
]


def remember(memos: MemOS, lines=LINES) -> dict[str, str]:
    items = [MemoryItem(f"[{when}] Alice: {words}", Provenance(source="test:alice", refs=(ref,), operator="ingest"),
                        {"speaker": "Alice", "date_time": when}) for ref, when, words in lines]
    cubes = memos.remember(items, namespace="alice", actor="alice")
    return {c.header.provenance.refs[0]: c.id for c in cubes}


@pytest.fixture()
def memos(tmp_path, minilm, one_torch_thread):
    store = CubeStore(tmp_path / "store")
    yield MemOS(store, Retriever(minilm), PlaintextTier(model=None), top_k=3, fusion=TextMerge(minilm))
    store.close()


def test_a_superseded_fact_is_served_with_the_new_value_and_the_old_is_in_history(memos):
    ids = remember(memos)
    report = memos.fuse("alice", "alice")
    assert report.summary() == {"duplicates": 1, "superseded": 1, "detector": "embedding"}
    _, served = memos.search("Where does Alice live now?", "alice", "alice")
    texts = " ".join(c.text for c in served)
    assert "Lyon" in texts and "Paris" not in texts
    store, old, new = memos.store, ids["D1:1"], ids["D2:1"]
    history = store.history(old, "alice")
    assert [(h.version, h.state) for h in history] == [(1, Lifecycle.GENERATED), (2, Lifecycle.ARCHIVED)]
    assert history[-1].meta["superseded_by"] == new and store.get(old, "alice", version=1).text.endswith("Paris.")
    survivor = store.history(new, "alice")
    assert [h.version for h in survivor] == [1, 2] and survivor[-1].parent_version == 1
    provenance = survivor[-1].provenance
    assert provenance.operator == OPERATOR and provenance.derived_from == (old, new)
    assert provenance.refs == ("D2:1",)  # the evidence of the value now; the old value's is in the old cube
    assert survivor[-1].meta["fusion"][0] | {"similarity": None} == {
        "rule": "supersede", "with": old, "similarity": None, "detector": "embedding"}


def test_duplicates_merge_into_the_newer_with_both_sources(memos):
    ids = remember(memos)
    memos.fuse("alice", "alice")
    older, newer = ids["D1:3"], ids["D2:2"]
    assert memos.store.header(older, "alice").state is Lifecycle.MERGED
    assert memos.store.header(older, "alice").meta["merged_into"] == newer
    provenance = memos.store.header(newer, "alice").provenance
    assert provenance.derived_from == (older, newer) and provenance.refs == ("D2:2", "D1:3")
    assert memos.store.header(ids["D1:2"], "alice").version == 1  # the cello: nothing to fuse, untouched


def test_fusing_again_changes_nothing_and_merged_cubes_are_not_served(memos):
    ids = remember(memos)
    memos.fuse("alice", "alice")
    assert memos.fuse("alice", "alice").decisions == []
    served = memos.store.readable_ids("alice", "alice", states=[Lifecycle.GENERATED])
    assert served == {ids["D1:2"], ids["D2:1"], ids["D2:2"]}


def test_without_fusion_both_values_are_served(tmp_path, minilm, one_torch_thread):
    with CubeStore(tmp_path / "store") as store:
        memos = MemOS(store, Retriever(minilm), PlaintextTier(model=None), top_k=3)
        remember(memos)
        assert memos.fuse("alice", "alice") is None
        texts = " ".join(c.text for c in memos.search("Where does Alice live now?", "alice", "alice")[1])
        assert "Lyon" in texts and "Paris" in texts


def test_statements_of_different_speakers_are_never_fused(minilm):
    from memos_lab.cube import plaintext_cube

    cubes = [plaintext_cube(f"[3 March, 2023] {who}: I live in {where}.", namespace="ns", owner="o",
                            meta={"speaker": who}, now=100.0 + i)
             for i, (who, where) in enumerate([("Alice", "Paris"), ("Bob", "Lyon")])]
    assert TextMerge(minilm).plan(cubes) == []


def test_the_value_rule_and_the_yes_no_parser():
    same, other = Statement("a", "I live in Lyon."), Statement("b", "I still live in Lyon.")
    assert not value_differs(same, other) and value_differs(Statement("c", "I live in Paris."), other)
    assert (yes_or_no("Yes, they differ."), yes_or_no("no"), yes_or_no("Maybe")) == (True, False, None)


def test_config_refuses_out_of_range_values():
    with pytest.raises(ValueError, match="fusion.text_merge.conflict_threshold"):
        TextMergeConfig(conflict_threshold=1.5)
    with pytest.raises(ValueError, match="needs the run's chat model"):
        LLMConflicts(None, 0.3)


@pytest.mark.slow
def test_the_llm_detector_asks_the_real_model_and_smollm2_answers_the_new_value(tmp_path, minilm, smollm2,
                                                                               one_torch_thread):
    with CubeStore(tmp_path / "store") as store:
        fusion = TextMerge(minilm, smollm2, detector="llm")
        memos = MemOS(store, Retriever(minilm), PlaintextTier(smollm2), top_k=3, fusion=fusion)
        remember(memos)
        memos.fuse("alice", "alice")
        assert fusion.detector.asked >= 1  # every pair above the prefilter went to the model
    with CubeStore(tmp_path / "embedding") as store:
        memos = MemOS(store, Retriever(minilm), PlaintextTier(smollm2), top_k=3, fusion=TextMerge(minilm))
        remember(memos)
        memos.fuse("alice", "alice")
        memos.tier.set_answer_style(INSTRUCTION, 16)  # the knowledge-update episodes' answer style
        answer = memos.answer("Where does Alice live now?", "alice", "alice")
        assert "Paris" not in " ".join(c.text for c in answer.retrieved)  # what the model saw
        assert "Lyon" in answer.text and "Paris" not in answer.text


def test_the_fusion_group_is_off_by_default_and_builds_a_text_merge(minilm):
    from hydra.utils import instantiate

    from tests.config_helpers import compose_config

    assert compose_config().memory.fusion is None
    cfg = compose_config(["fusion=text_merge", "fusion.text_merge.conflict_threshold=0.5"])
    assert cfg.memory.fusion.text_merge.conflict_threshold == 0.5  # the memory node reads the group
    fusion = instantiate(cfg.fusion.text_merge)(embedder=minilm, model=None)
    assert isinstance(fusion, TextMerge) and fusion.detector.threshold == 0.5

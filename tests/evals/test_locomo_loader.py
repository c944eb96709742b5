"""The LoCoMo loader on the real shared data, both layouts, and its errors."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from evals.locomo import (
    ENV_VAR,
    Conversation,
    DatasetNotFoundError,
    download_locomo,
    find_shared_data_dir,
    load_locomo,
    normalize_evidence,
    resolve_locomo_path,
    select,
)

DATA_DIR = find_shared_data_dir("locomo", Path(__file__).parent)
pytestmark = pytest.mark.skipif(DATA_DIR is None, reason="shared/data/locomo not found")


@pytest.fixture(scope="module")
def conversations() -> list[Conversation]:
    return load_locomo(DATA_DIR)


@pytest.fixture
def no_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No env var and an empty cache, so only an explicit path or search_from can match."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def _upstream_file(directory: Path, sample_ids: tuple[str, ...] = ("26", "30")) -> Path:
    """A locomo10.json-style file built from real per-conversation files."""
    records = []
    for sid in sample_ids:
        conv = json.loads((DATA_DIR / f"{sid}.json").read_text())
        qa = conv.pop("qa")
        records.append(
            {
                "sample_id": f"conv-{sid}",
                "conversation": conv,
                "qa": qa,
                "event_summary": {},
                "observation": {},
                "session_summary": {},
            }
        )
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "locomo10.json"
    path.write_text(json.dumps(records))
    return path


# --- the real data -------------------------------------------------------------


def test_counts_match_the_data_readme(conversations: list[Conversation]) -> None:
    assert [c.sample_id for c in conversations] == ["26", "30", "41", "42", "43", "44", "47", "48", "49", "50"]
    assert sum(len(c.turns) for c in conversations) == 5882
    questions = [q for c in conversations for q in c.questions]
    assert len(questions) == 1986
    assert Counter(q.category for q in questions) == {4: 841, 1: 282, 2: 321, 3: 96, 5: 446}


def test_sessions_skip_date_times_without_turns(conversations: list[Conversation]) -> None:
    # 26.json has session_1..35_date_time but only session_1..19 lists.
    conv = conversations[0]
    assert conv.sessions == tuple(range(1, 20))
    assert conv.turn("D1:1").date_time == "1:56 pm on 8 May, 2023"
    assert all(t.dia_id.startswith(f"D{t.session}:") for t in conv.turns)
    with pytest.raises(KeyError, match="D20:1"):
        conv.turn("D20:1")


def test_photo_turn_gets_its_caption(conversations: list[Conversation]) -> None:
    turn = conversations[0].turn("D1:5")
    assert turn.speaker == "Caroline"
    assert turn.text == (
        "The transgender stories were so inspiring! I was so happy and thankful for all "
        "the support. [shares a photo: a photo of a dog walking past a wall with a "
        "painting of a woman]"
    )


def test_question_fields(conversations: list[Conversation]) -> None:
    questions = {q.qid: q for q in conversations[0].questions}
    assert questions["26:q0"].answer == "7 May 2023"
    assert questions["26:q1"].answer == "2022"  # an int upstream
    assert questions["26:q167"].answer == "No"  # category 5 with both keys: `answer`
    adversarial = [q for q in questions.values() if q.category == 5]
    assert all(isinstance(q.answer, str) and q.answer for q in adversarial)
    assert questions["26:q37"].evidence == ("D8:6; D9:17",)  # kept raw


def test_evidence_points_at_real_turns(conversations: list[Conversation]) -> None:
    # Two upstream evidence ids name turns that do not exist; every other one does.
    missing = {
        (c.sample_id, q.qid, e)
        for c in conversations
        for q in c.questions
        for e in normalize_evidence(q.evidence)
        if e not in {t.dia_id for t in c.turns}
    }
    assert missing == {("42", "42:q58", "D10:19"), ("47", "47:q38", "D4:36")}


def test_select(conversations: list[Conversation]) -> None:
    scored = select(conversations)
    assert sum(len(c.questions) for c in scored) == 1540
    assert all(q.category != 5 for c in scored for q in c.questions)
    few = select(conversations, sample_ids=["30", "26"], categories=[5], max_questions=3)
    assert [c.sample_id for c in few] == ["26", "30"]
    assert [len(c.questions) for c in few] == [3, 3]
    assert few[0].questions == tuple(q for q in conversations[0].questions if q.category == 5)[:3]
    assert select(conversations, categories=None)[0] == conversations[0]
    with pytest.raises(ValueError, match="'99'"):
        select(conversations, sample_ids=["99"])


# --- layouts and resolution ----------------------------------------------------


def test_upstream_layout_matches_per_conversation_files(conversations: list[Conversation], tmp_path: Path) -> None:
    path = _upstream_file(tmp_path / "up")
    for loaded in (load_locomo(path), load_locomo(path.parent)):
        assert [c.sample_id for c in loaded] == ["conv-26", "conv-30"]
        assert loaded[1].questions[0].qid == "conv-30:q0"
        for got, want in zip(loaded, conversations[:2], strict=True):
            assert got.turns == want.turns
            assert [dataclasses.replace(q, qid="") for q in got.questions] == [
                dataclasses.replace(q, qid="") for q in want.questions
            ]


def test_annotations_are_not_needed(conversations: list[Conversation], tmp_path: Path) -> None:
    conv = json.loads((DATA_DIR / "30.json").read_text())
    kept = {
        k: v for k, v in conv.items() if not k.startswith("events_") and not k.endswith(("_observation", "_summary"))
    }
    (tmp_path / "30.json").write_text(json.dumps(kept))
    assert load_locomo(tmp_path)[0].turns == conversations[1].turns


def test_env_var_then_cache_then_shared(no_defaults: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_locomo_path(search_from=[Path(__file__).parent]) == DATA_DIR
    cache = _upstream_file(no_defaults / "cache" / "memos_lab" / "datasets" / "locomo")
    assert resolve_locomo_path() == cache.parent
    assert [c.sample_id for c in load_locomo()] == ["conv-26", "conv-30"]
    env_file = _upstream_file(no_defaults / "env", ("41",))
    monkeypatch.setenv(ENV_VAR, str(env_file))
    assert [c.sample_id for c in load_locomo()] == ["conv-41"]


def test_nothing_found_lists_every_place(no_defaults: Path) -> None:
    # Not under tmp_path: a shared/ folder may sit above /tmp on a CI machine.
    nowhere = Path("/nonexistent-memos-lab-test/deeper")
    with pytest.raises(DatasetNotFoundError) as info:
        resolve_locomo_path(search_from=[nowhere])
    message = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    for place in (ENV_VAR, str(no_defaults / "cache"), str(nowhere), "download_locomo"):
        assert place in message


def test_missing_path_and_env_var_are_named(no_defaults: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DatasetNotFoundError, match="nowhere"):
        load_locomo(no_defaults / "nowhere")
    monkeypatch.setenv(ENV_VAR, str(no_defaults / "elsewhere"))
    with pytest.raises(DatasetNotFoundError, match=f"elsewhere.*{ENV_VAR}"):
        load_locomo()


# --- bad input -----------------------------------------------------------------


def test_corrupt_json_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "7.json").write_text('{"speaker_a": "A", ')
    with pytest.raises(ValueError, match=r"7\.json"):
        load_locomo(tmp_path)


def test_empty_conversation_names_the_sample(tmp_path: Path) -> None:
    empty = {"speaker_a": "A", "speaker_b": "B", "session_1_date_time": "today", "qa": []}
    (tmp_path / "12.json").write_text(json.dumps(empty))
    with pytest.raises(ValueError, match="empty conversation '12'"):
        load_locomo(tmp_path)


def test_malformed_turn_names_file_and_sample(tmp_path: Path) -> None:
    bad = {"speaker_a": "A", "speaker_b": "B", "session_1": [{"text": "hi"}], "qa": []}
    (tmp_path / "3.json").write_text(json.dumps(bad))
    with pytest.raises(ValueError, match=r"3\.json.*'3' is malformed"):
        load_locomo(tmp_path)


# --- download (a local file:// URL; never the network) -------------------------


def test_download_records_and_verifies_sha256(tmp_path: Path) -> None:
    source = _upstream_file(tmp_path / "src", ("26",))
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    target = download_locomo(tmp_path / "cache", url=source.as_uri())
    assert target.read_bytes() == source.read_bytes()
    assert (tmp_path / "cache" / "locomo10.json.sha256").read_text().startswith(digest)
    assert load_locomo(tmp_path / "cache")[0].sample_id == "conv-26"
    with pytest.raises(ValueError, match="sha256"):
        download_locomo(tmp_path / "other", url=source.as_uri(), sha256="0" * 64)
    assert not any((tmp_path / "other").iterdir())


def test_stride_takes_a_systematic_sample_keeping_the_category_mix(conversations):
    from collections import Counter

    full = Counter(q.category for c in select(conversations) for q in c.questions)
    sample = Counter(q.category for c in select(conversations, stride=8) for q in c.questions)
    assert 180 <= sum(sample.values()) <= 200
    for category, count in full.items():
        assert abs(sample[category] / sum(sample.values()) - count / sum(full.values())) < 0.03
    with pytest.raises(ValueError, match="stride"):
        select(conversations, stride=0)

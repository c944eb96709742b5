"""The LoCoMo loader on the real shared data, both layouts, its checksums and its errors.

Tests of the real data skip without ../shared/data; the error, layout and
download tests write tiny files of their own and always run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from evals.locomo import (
    ENV_VAR,
    LOCOMO_FILES_SHA256,
    LOCOMO_SHA256,
    Conversation,
    DatasetChecksumError,
    DatasetNotFoundError,
    dataset_sha256,
    download_locomo,
    find_shared_data_dir,
    load_locomo,
    normalize_evidence,
    resolve_locomo_path,
    select,
)

DATA_DIR = find_shared_data_dir("locomo", Path(__file__).parent)
needs_data = pytest.mark.skipif(DATA_DIR is None, reason="shared/data/locomo not found")


@pytest.fixture(scope="module")
def conversations() -> list[Conversation]:
    if DATA_DIR is None:
        pytest.skip("shared/data/locomo not found")
    return load_locomo(DATA_DIR)


def _tiny_conversation(n_turns: int = 3) -> dict:
    """A per-conversation record in the release's format, small enough to write by hand."""
    turns = [{"speaker": "Ann" if i % 2 == 0 else "Bo", "dia_id": f"D1:{i + 1}", "text": f"line {i + 1}"}
             for i in range(n_turns)]  # fmt: skip
    return {
        "speaker_a": "Ann",
        "speaker_b": "Bo",
        "session_1_date_time": "1:00 pm on 1 May, 2023",
        "session_1": turns,
        "events_session_1": {"leak": "never read"},
        "qa": [{"question": "What is line 1?", "answer": "line 1", "evidence": ["D1:1"], "category": 4}],
    }


def _tiny_upstream_file(directory: Path, sample_ids: tuple[str, ...] = ("a", "b")) -> Path:
    """A locomo10.json-style file (list of {sample_id, conversation, qa, ...}) of tiny conversations."""
    records = []
    for sid in sample_ids:
        conv = _tiny_conversation()
        records.append({"sample_id": f"conv-{sid}", "conversation": conv, "qa": conv.pop("qa"),
                        "event_summary": {}, "observation": {}, "session_summary": {}})  # fmt: skip
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "locomo10.json"
    path.write_text(json.dumps(records))
    return path


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


@needs_data
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
    with pytest.raises(DatasetChecksumError):  # an edited release file: refused unless asked for
        load_locomo(tmp_path)
    assert load_locomo(tmp_path, verify=False)[0].turns == conversations[1].turns


def test_env_var_then_cache_then_shared(no_defaults: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = _tiny_upstream_file(no_defaults / "tree" / "shared" / "data" / "locomo").parent
    start = no_defaults / "tree" / "repo"
    start.mkdir()
    assert resolve_locomo_path(search_from=[start]) == shared
    cache = _tiny_upstream_file(no_defaults / "cache" / "memos_lab" / "datasets" / "locomo")
    assert resolve_locomo_path(search_from=[start]) == cache.parent
    assert [c.sample_id for c in load_locomo()] == ["conv-a", "conv-b"]
    env_file = _tiny_upstream_file(no_defaults / "env", ("c",))
    monkeypatch.setenv(ENV_VAR, str(env_file))
    assert [c.sample_id for c in load_locomo()] == ["conv-c"]


def test_nothing_found_lists_every_place(no_defaults: Path) -> None:
    # Not under tmp_path: a shared/ folder may sit above /tmp on a CI machine.
    nowhere = Path("/nonexistent-memos-lab-test/deeper")
    with pytest.raises(DatasetNotFoundError) as info:
        resolve_locomo_path(search_from=[nowhere])
    message = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    assert "\n" not in message  # one line: the runner prints it without a traceback
    for place in (ENV_VAR, str(no_defaults / "cache"), str(nowhere), "download_locomo"):
        assert place in message


def test_missing_path_and_env_var_are_named(no_defaults: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DatasetNotFoundError, match="nowhere") as info:
        load_locomo(no_defaults / "nowhere")
    assert "\n" not in str(info.value)
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
    source = _tiny_upstream_file(tmp_path / "src", ("a",))
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    target = download_locomo(tmp_path / "cache", url=source.as_uri())
    assert target.read_bytes() == source.read_bytes()
    assert (tmp_path / "cache" / "locomo10.json.sha256").read_text().startswith(digest)
    assert load_locomo(tmp_path / "cache")[0].sample_id == "conv-a"
    assert dataset_sha256(tmp_path / "cache") == digest
    with pytest.raises(DatasetChecksumError, match="sha256"):
        download_locomo(tmp_path / "other", url=source.as_uri(), sha256="0" * 64)
    assert not (tmp_path / "other").exists() or not any((tmp_path / "other").iterdir())


def test_a_downloaded_file_changed_later_is_refused(tmp_path: Path) -> None:
    target = download_locomo(tmp_path / "cache", url=_tiny_upstream_file(tmp_path / "src").as_uri())
    target.write_text(target.read_text().replace("line 1", "line one"))
    with pytest.raises(DatasetChecksumError) as info:
        load_locomo(target)
    message = str(info.value)
    assert str(target) in message and "verify=False" in message
    recorded = (tmp_path / "cache" / "locomo10.json.sha256").read_text().split()[0]
    assert recorded in message and hashlib.sha256(target.read_bytes()).hexdigest() in message
    assert [c.sample_id for c in load_locomo(target, verify=False)] == ["conv-a", "conv-b"]


def test_an_edited_release_file_names_file_and_digests(tmp_path: Path) -> None:
    edited = tmp_path / "26.json"
    edited.write_text(json.dumps(_tiny_conversation()))
    with pytest.raises(DatasetChecksumError) as info:
        load_locomo(tmp_path)
    message = str(info.value)
    actual = hashlib.sha256(edited.read_bytes()).hexdigest()
    assert str(edited) in message and LOCOMO_FILES_SHA256["26.json"] in message and actual in message
    assert load_locomo(tmp_path, verify=False)[0].sample_id == "26"


def test_files_outside_the_release_load_unchecked(tmp_path: Path) -> None:
    (tmp_path / "7.json").write_text(json.dumps(_tiny_conversation()))
    (conv,) = load_locomo(tmp_path)
    assert conv.sample_id == "7" and [t.text for t in conv.turns] == ["line 1", "line 2", "line 3"]
    assert conv.questions[0].qid == "7:q0"


@needs_data
def test_the_shared_data_is_the_release() -> None:
    assert dataset_sha256(DATA_DIR) == LOCOMO_SHA256
    for name, digest in LOCOMO_FILES_SHA256.items():
        assert hashlib.sha256((DATA_DIR / name).read_bytes()).hexdigest() == digest


def test_stride_takes_a_systematic_sample_keeping_the_category_mix(conversations):
    from collections import Counter

    full = Counter(q.category for c in select(conversations) for q in c.questions)
    sample = Counter(q.category for c in select(conversations, stride=8) for q in c.questions)
    assert 180 <= sum(sample.values()) <= 200
    for category, count in full.items():
        assert abs(sample[category] / sum(sample.values()) - count / sum(full.values())) < 0.03
    with pytest.raises(ValueError, match="stride"):
        select(conversations, stride=0)

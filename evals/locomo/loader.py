"""Load the LoCoMo conversations and questions (never the leaky annotations)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from evals.datasets.files import DatasetNotFoundError, cache_dir, find_shared_data_dir
from memos_lab.atomic import write_bytes, write_text

ENV_VAR = "MEMOS_LAB_LOCOMO"
LOCOMO10_URL = "https://github.com/snap-research/locomo/raw/main/data/locomo10.json"
LOCOMO10_NAME = "locomo10.json"
# sha256 of each per-conversation file of the release (data/locomo10.zip of snap-research/locomo,
# commit e76cdff, folder multimodal_dialog/locomo10_v2/): byte-identical to ../shared/data/locomo.
LOCOMO_FILES_SHA256 = {
    "26.json": "03db89826862cf68f05a17007946e6f132afd3d4978b3758fe6881abd9b1d897",
    "30.json": "f9196cd9e16ef6f5e8c1e1866756e99328981047c15edf2a672f85ff19319cdc",
    "41.json": "24df879b7c6cfe3a4e7f6f6ea747dce230a0fbd84744bb6da657c63f6ae67b62",
    "42.json": "5684f57833cab9aa6c68e50d2e17a6eb04fbaf16f6f881ed659eeeb340ce2c6d",
    "43.json": "392d55609c4aaa5e0612749ef87047efe35f0fddfe87982f3bb5f3b02bce41c6",
    "44.json": "b75318ada4a5e54f2868d995ee6afcb4cf9f6b8f2c6e93426bd254b1d0b6ce15",
    "47.json": "64630351b01d6847a0753e358635b98258e13d0c706642f9be860ea44d5c62a0",
    "48.json": "991d4b7f48fa1f219fbb78f07abea9960733a1aace6346b63579413c1c6bc5b0",
    "49.json": "41c574e6deaefc4127b5eef9dc4f5669cb8dac39b857edc4f411a94cf4f74b87",
    "50.json": "1007e30ce14b7050bd3325d59dac5aad5d01597f934c28687afac3b3b2d5eb01",
}
# `dataset_sha256` of the whole release in the per-conversation layout (../shared/data/locomo).
LOCOMO_SHA256 = "987d4d1b8b0e12975428b273df3fd6ce41c3bdfc9cfa988b2ef47879631630fb"
# Expected sha256 of the upstream single-file locomo10.json. Not pinned: that file is not in this
# workplace to hash. A downloaded copy is checked against the `.sha256` sidecar written at download.
LOCOMO10_SHA256: str | None = None
CATEGORY_NAMES = {
    1: "multi-hop",
    2: "temporal",
    3: "open-domain",
    4: "single-hop",
    5: "adversarial",
}
_REPO_ROOT = Path(__file__).resolve().parents[2]
_SESSION_KEY = re.compile(r"session_(\d+)")


class DatasetChecksumError(ValueError):
    """A dataset file's sha256 differs from the release's: edited, truncated or another version."""


@dataclass(frozen=True)
class Turn:
    """One utterance; `dia_id` is "D<session>:<turn>"."""

    dia_id: str
    speaker: str
    text: str
    session: int
    date_time: str


@dataclass(frozen=True)
class Question:
    """One QA item; `qid` is "<sample_id>:q<index in the original qa list>"."""

    question: str
    answer: str
    category: int
    evidence: tuple[str, ...]
    qid: str


@dataclass(frozen=True)
class Conversation:
    """A two-speaker multi-session conversation with its questions."""

    sample_id: str
    speaker_a: str
    speaker_b: str
    turns: tuple[Turn, ...]
    questions: tuple[Question, ...]

    @property
    def sessions(self) -> tuple[int, ...]:
        """Session numbers in order."""
        return tuple(dict.fromkeys(t.session for t in self.turns))

    @cached_property
    def _by_dia_id(self) -> dict[str, Turn]:
        return {t.dia_id: t for t in self.turns}

    def turn(self, dia_id: str) -> Turn:
        """The turn with this dia_id; KeyError if absent."""
        try:
            return self._by_dia_id[dia_id]
        except KeyError:
            raise KeyError(f"{self.sample_id}: no turn {dia_id!r}") from None


# --- locating the data -------------------------------------------------------


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/memos_lab/datasets/locomo` (default `~/.cache/...`)."""
    return cache_dir("locomo")


def _has_data(path: Path) -> bool:
    return path.is_file() or (path.is_dir() and any(path.glob("*.json")))


def resolve_locomo_path(path: str | Path | None = None, search_from: Sequence[str | Path] | None = None) -> Path:
    """Where to read LoCoMo: `path`, then $MEMOS_LAB_LOCOMO, the cache, shared/data."""
    explicit = [(path, "path argument"), (os.environ.get(ENV_VAR), f"${ENV_VAR}")]
    for value, origin in explicit:
        if value:
            if not _has_data(Path(value)):
                raise DatasetNotFoundError(
                    f"LoCoMo data not found at {value} ({origin}): expected a locomo10.json or a folder of "
                    "per-conversation JSON files"
                )
            return Path(value)
    tried = [f"${ENV_VAR} (not set)", str(default_cache_dir())]
    if _has_data(default_cache_dir()):
        return default_cache_dir()
    for start in search_from if search_from is not None else (_REPO_ROOT, Path.cwd()):
        found = find_shared_data_dir("locomo", start)
        tried.append(f"shared/data/locomo in {Path(start).resolve()} or a parent")
        if found is not None and _has_data(found):
            return found
    raise DatasetNotFoundError(_not_found_message(tried))


def _not_found_message(tried: list[str]) -> str:
    return (
        f"LoCoMo data not found (tried {'; '.join(tried)}). Get it with `python -c 'from evals.locomo import "
        f"download_locomo; download_locomo()'` (fetches {LOCOMO10_URL} into {default_cache_dir()}), or set "
        f"${ENV_VAR} or dataset.path to a locomo10.json or a folder of per-conversation JSON files."
    )


def download_locomo(
    cache_dir: str | Path | None = None,
    url: str = LOCOMO10_URL,
    sha256: str | None = LOCOMO10_SHA256,
) -> Path:
    """Fetch locomo10.json into `cache_dir`, check `sha256` when given, record the digest beside it."""
    import urllib.request

    target_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    target = target_dir / LOCOMO10_NAME
    with urllib.request.urlopen(url) as response:  # noqa: S310 (fixed https URL by default)
        data = response.read()
    digest = hashlib.sha256(data).hexdigest()
    if sha256 is not None and digest != sha256:
        raise DatasetChecksumError(f"{url}: sha256 {digest} does not match the expected {sha256}; nothing written")
    target_dir.mkdir(parents=True, exist_ok=True)
    write_bytes(target, data)
    write_text(_sidecar(target), f"{digest}  {LOCOMO10_NAME}\n")
    return target


# --- integrity -----------------------------------------------------------------


def data_files(source: Path) -> list[Path]:
    """The files `load_locomo` reads from a resolved `source`, in load order."""
    if source.is_dir() and (source / LOCOMO10_NAME).is_file():
        return [source / LOCOMO10_NAME]
    if source.is_file():
        return [source]
    return sorted(source.glob("*.json"), key=_numeric_stem)


def dataset_sha256(path: str | Path | None = None) -> str:
    """sha256 of the bytes of the data files, concatenated in name order: what a run records.

    For the release in the per-conversation layout this is `LOCOMO_SHA256`;
    for a single file it is that file's sha256.
    """
    digest = hashlib.sha256()
    for file in sorted(data_files(resolve_locomo_path(path)), key=lambda f: f.name):
        digest.update(file.read_bytes())
    return digest.hexdigest()


def expected_sha256(file: Path) -> str | None:
    """The release digest for a data file, if known: the per-conversation manifest by file name, or
    for a locomo10.json `LOCOMO10_SHA256`, else the digest `download_locomo` recorded beside it."""
    if file.name == LOCOMO10_NAME:
        if LOCOMO10_SHA256 is not None:
            return LOCOMO10_SHA256
        sidecar = _sidecar(file)
        return sidecar.read_text(encoding="utf-8").split()[0] if sidecar.is_file() else None
    return LOCOMO_FILES_SHA256.get(file.name)


def verify_files(files: Sequence[Path]) -> None:
    """Raise DatasetChecksumError for the first file whose sha256 differs from the release's.

    Files with no known digest (other names: a subset or your own data) are not checked.
    """
    for file in files:
        expected = expected_sha256(file)
        if expected is None:
            continue
        actual = hashlib.sha256(file.read_bytes()).hexdigest()
        if actual != expected:
            raise DatasetChecksumError(
                f"{file}: sha256 {actual} differs from the LoCoMo release's {expected} (edited, truncated or "
                "another version). Restore the file, or load it anyway with load_locomo(path, verify=False)."
            )


def _sidecar(file: Path) -> Path:
    return file.with_name(file.name + ".sha256")


# --- parsing -----------------------------------------------------------------


def load_locomo(path: str | Path | None = None, verify: bool = True) -> list[Conversation]:
    """Load LoCoMo from a locomo10.json, a directory of per-conversation files, or defaults.

    With `verify` (the default), files of the release are checked against their
    sha256 first (see `verify_files`); `verify=False` loads edited data as is.
    """
    source = resolve_locomo_path(path)
    files = data_files(source)
    if verify:
        verify_files(files)
    if source.is_file() or (source / LOCOMO10_NAME).is_file():
        return [_parse(record, files[0]) for record in _upstream_records(files[0])]
    return [_parse(_per_conversation_record(f), f) for f in files]


def _numeric_stem(path: Path) -> tuple[int, int | str]:
    return (0, int(path.stem)) if path.stem.isdigit() else (1, path.stem)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: not valid JSON ({err})") from err


def _upstream_records(path: Path) -> list[dict[str, Any]]:
    """Records `{sample_id, conversation, qa}` from an upstream-layout file."""
    data = _read_json(path)
    if isinstance(data, dict) and "conversation" not in data:
        return [_per_conversation_record(path, data)]
    records = data if isinstance(data, list) else [data]
    if not all(isinstance(r, dict) and "conversation" in r for r in records):
        raise ValueError(f"{path}: expected a list of {{sample_id, conversation, qa}}")
    return records


def _per_conversation_record(path: Path, data: Any = None) -> dict[str, Any]:
    """A per-conversation file, reshaped as an upstream record (sample_id = file stem)."""
    data = _read_json(path) if data is None else data
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected one conversation object")
    return {"sample_id": path.stem, "conversation": data, "qa": data.get("qa", [])}


def _parse(record: dict[str, Any], source: Path) -> Conversation:
    sample_id = str(record.get("sample_id", source.stem))
    conv = record["conversation"]
    try:
        turns = tuple(_turns(conv))
        questions = tuple(_question(q, f"{sample_id}:q{i}") for i, q in enumerate(record["qa"]))
        speakers = conv["speaker_a"], conv["speaker_b"]
    except (KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"{source}: conversation {sample_id!r} is malformed ({err!r})") from err
    if not turns:
        raise ValueError(f"{source}: empty conversation {sample_id!r} (no session turns)")
    return Conversation(sample_id, *speakers, turns, questions)


def _turns(conv: dict[str, Any]) -> Iterable[Turn]:
    """Turns of every `session_N` list, by session number; annotations are never read."""
    sessions = sorted(
        (int(m.group(1)), value)
        for key, value in conv.items()
        if (m := _SESSION_KEY.fullmatch(key)) and isinstance(value, list)
    )
    for number, turns in sessions:
        date_time = str(conv.get(f"session_{number}_date_time", ""))
        for raw in turns:
            yield Turn(raw["dia_id"], raw["speaker"], _turn_text(raw), number, date_time)


def _turn_text(raw: dict[str, Any]) -> str:
    """The turn's text, with a shared photo's caption appended."""
    text = str(raw.get("text", ""))
    caption = raw.get("blip_caption")
    if not caption:
        return text
    photo = f"[shares a photo: {caption}]"
    return f"{text} {photo}" if text.strip() else photo


def _question(raw: dict[str, Any], qid: str) -> Question:
    answer = raw["answer"] if "answer" in raw else raw["adversarial_answer"]
    evidence = tuple(str(e) for e in raw.get("evidence", []))
    return Question(raw["question"], str(answer), int(raw["category"]), evidence, qid)


# --- selection ---------------------------------------------------------------


def select(
    conversations: Sequence[Conversation],
    sample_ids: Iterable[str] | None = None,
    categories: Iterable[int] | None = (1, 2, 3, 4),
    max_questions: int | None = None,
    stride: int = 1,
) -> list[Conversation]:
    """Keep the named conversations; their questions of `categories`, every
    `stride`-th of them (a systematic sample that keeps the category mix),
    then the first `max_questions`."""
    if max_questions is not None and max_questions < 0:
        raise ValueError(f"max_questions must be >= 0, got {max_questions}")
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    chosen = list(conversations)
    if sample_ids is not None:
        wanted = [str(s) for s in sample_ids]
        unknown = sorted(set(wanted) - {c.sample_id for c in chosen})
        if unknown:
            raise ValueError(f"unknown LoCoMo sample_ids {unknown}")
        chosen = [c for c in chosen if c.sample_id in wanted]
    keep = None if categories is None else set(categories)
    return [_filter_questions(c, keep, max_questions, stride) for c in chosen]


def _filter_questions(
    conv: Conversation, categories: set[int] | None, max_questions: int | None, stride: int
) -> Conversation:
    questions = [q for q in conv.questions if categories is None or q.category in categories]
    return dataclasses.replace(conv, questions=tuple(questions[::stride][:max_questions]))

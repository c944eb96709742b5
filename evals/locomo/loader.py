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

ENV_VAR = "MEMOS_LAB_LOCOMO"
LOCOMO10_URL = "https://github.com/snap-research/locomo/raw/main/data/locomo10.json"
LOCOMO10_NAME = "locomo10.json"
# Expected sha256 of locomo10.json; None means "record it beside the file, don't verify".
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


class DatasetNotFoundError(FileNotFoundError):
    """The dataset is not at the given path or any default location."""


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
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "memos_lab" / "datasets" / "locomo"


def find_shared_data_dir(name: str, start: str | Path | None = None) -> Path | None:
    """First `shared/data/<name>` directory found walking up from `start` (default cwd)."""
    here = Path(start or Path.cwd()).resolve()
    for parent in (here, *here.parents):
        candidate = parent / "shared" / "data" / name
        if candidate.is_dir():
            return candidate
    return None


def _has_data(path: Path) -> bool:
    return path.is_file() or (path.is_dir() and any(path.glob("*.json")))


def resolve_locomo_path(path: str | Path | None = None, search_from: Sequence[str | Path] | None = None) -> Path:
    """Where to read LoCoMo: `path`, then $MEMOS_LAB_LOCOMO, the cache, shared/data."""
    explicit = [(path, "path argument"), (os.environ.get(ENV_VAR), f"${ENV_VAR}")]
    for value, origin in explicit:
        if value:
            if not _has_data(Path(value)):
                raise DatasetNotFoundError(f"LoCoMo data not found at {value} ({origin})")
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
    places = "\n".join(f"  - {place}" for place in tried)
    return (
        f"LoCoMo data not found. Tried:\n{places}\n"
        "Get it with `python -c 'from evals.locomo import download_locomo; "
        f"download_locomo()'` (fetches {LOCOMO10_URL} into {default_cache_dir()}), "
        f"or set ${ENV_VAR} / pass path= to a locomo10.json or a directory of "
        "per-conversation JSON files."
    )


def download_locomo(
    cache_dir: str | Path | None = None,
    url: str = LOCOMO10_URL,
    sha256: str | None = LOCOMO10_SHA256,
) -> Path:
    """Fetch locomo10.json into `cache_dir`, check (or record) its sha256, return its path."""
    import urllib.request

    target_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / LOCOMO10_NAME
    partial = target.with_suffix(".json.part")
    with urllib.request.urlopen(url) as response:  # noqa: S310 (fixed https URL by default)
        partial.write_bytes(response.read())
    digest = hashlib.sha256(partial.read_bytes()).hexdigest()
    if sha256 is not None and digest != sha256:
        partial.unlink()
        raise ValueError(f"{url}: sha256 {digest} does not match the expected {sha256}")
    partial.replace(target)
    target.with_suffix(".json.sha256").write_text(f"{digest}  {LOCOMO10_NAME}\n")
    return target


# --- parsing -----------------------------------------------------------------


def load_locomo(path: str | Path | None = None) -> list[Conversation]:
    """Load LoCoMo from a locomo10.json, a directory of per-conversation files, or defaults."""
    source = resolve_locomo_path(path)
    if source.is_dir() and (source / LOCOMO10_NAME).is_file():
        source = source / LOCOMO10_NAME
    if source.is_file():
        return [_parse(record, source) for record in _upstream_records(source)]
    files = sorted(source.glob("*.json"), key=_numeric_stem)
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

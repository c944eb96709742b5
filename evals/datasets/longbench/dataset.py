"""LongBench as a run's dataset: each sample's context chunked into memories, its question scored by the task's metric.

Every sample is an episode: the context cut by the configured chunker into
chunk events (ids "<_id>:<n>"), the task's instruction and answer-length
limit as the episode's answer style, one question (qid = `_id`, category =
the task) with all gold answers. The score is the task's LongBench metric,
best over the gold answers (x100 in LongBench's tables; 0-1 here, like every
other metric). LongBench-E's length buckets (0-4k, 4-8k, 8k+ words) are
reported where the records carry `length`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from evals.datasets.base import Dataset, group_by, mean
from evals.datasets.chunking import ChunkerConfig, chunk_text
from evals.datasets.episode import Episode, EventKind, MemoryEvent, Question
from evals.datasets.files import files_sha256, resolve_data_path
from evals.datasets.longbench.metrics import best_score
from evals.datasets.longbench.tasks import SUMMARY_TASKS, task
from evals.datasets.sampling import check_counts

ENV_VAR = "MEMOS_LAB_LONGBENCH"
HUB_ID = "THUDM/LongBench"
REQUIRED = ("input", "context", "answers", "_id")
LENGTH_BUCKETS = ((4000, "0-4k"), (8000, "4-8k"))


@dataclass
class LongBenchDatasetConfig:
    _target_: str = "evals.datasets.longbench.dataset.LongBenchDataset"
    path: str | None = None  # a task's .jsonl or a folder of them; None: $MEMOS_LAB_LONGBENCH, the cache, shared/data
    tasks: list[str] | None = None  # None: every task file found
    max_samples: int | None = None  # per task, in file order
    chunker: ChunkerConfig = field(default_factory=ChunkerConfig)
    from_hub: bool = False  # read `tasks` with datasets.load_dataset("THUDM/LongBench", task) (needs a reachable hub)

    def __post_init__(self) -> None:
        for name in self.tasks or ():
            task(name)
        check_counts("dataset", max_samples=self.max_samples)
        if self.from_hub and not self.tasks:
            raise ValueError("dataset.from_hub=true needs dataset.tasks (the LongBench task names to load)")


class LongBenchDataset(Dataset):
    name = "longbench"
    scoring_version = 1
    metrics = ("score",)

    def __init__(self, path: str | None = None, tasks: Sequence[str] | None = None, max_samples: int | None = None,
                 chunker: ChunkerConfig | Mapping[str, Any] | None = None, from_hub: bool = False) -> None:
        self.path_setting, self.tasks, self.max_samples, self.from_hub = path, tasks, max_samples, from_hub
        self.chunker = chunker if isinstance(chunker, ChunkerConfig) else ChunkerConfig(**dict(chunker or {}))

    @cached_property
    def path(self) -> Path:
        if self.from_hub:
            return Path(f"hf://datasets/{HUB_ID}")
        return resolve_data_path("longbench", self.path_setting, ENV_VAR, _has_task_files,
                                 "a LongBench task .jsonl or a folder of them")

    @cached_property
    def sha256(self) -> str:
        return "" if self.from_hub else files_sha256(self.path, self._files())

    def load(self) -> list[Episode]:
        rows = self._hub_rows() if self.from_hub else [r for f in self._files()
                                                       for r in read_task_file(f, self.max_samples)]
        episodes = [self._episode(row) for row in rows]
        if not episodes:
            raise ValueError(f"dataset: no LongBench samples in {self.path} for tasks {self.tasks}")
        return episodes

    def score(self, question: Question, prediction: str) -> dict[str, float]:
        spec = task(str(question.category))
        return {"score": best_score(spec.metric, prediction, question.answers, question.meta.get("all_classes") or ())}

    def prediction(self, question: Question, output: str) -> str:
        """Summaries are scored whole; every other task by its first line."""
        return output.strip() if question.category in SUMMARY_TASKS else super().prediction(question, output)

    def annotate(self, question: Question) -> dict[str, Any]:
        length = question.meta.get("length")
        bucket = {"length": length, "length_bucket": length_bucket(length)} if length is not None else {}
        return {"metric": task(str(question.category)).metric, **bucket}

    def aggregate(self, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """The mean score, by task (LongBench's table), and by LongBench-E length bucket where known."""
        summary = super().aggregate(records)
        by_length = group_by(records, "length_bucket")
        if by_length:
            summary["score_by_length"] = {b: mean(r["score"] for r in rs) for b, rs in by_length.items()}
            summary["n_by_length"] = {b: len(rs) for b, rs in by_length.items()}
        return summary

    def _files(self) -> list[Path]:
        files = [self.path] if self.path.is_file() else sorted(self.path.glob("*.jsonl"))
        if self.tasks is not None:
            files = [f for f in files if f.stem in self.tasks]
            missing = sorted(set(self.tasks) - {f.stem for f in files})
            if missing:
                raise FileNotFoundError(f"{self.path}: no task file for {missing} (expected <task>.jsonl)")
        return files

    def _hub_rows(self) -> list[dict[str, Any]]:
        from datasets import load_dataset

        rows = []
        for name in self.tasks or ():
            hub_rows = load_dataset(HUB_ID, name, split="test")
            rows += [dict(r) | {"dataset": name} for r in list(hub_rows)[: self.max_samples]]
        return rows

    def _episode(self, row: Mapping[str, Any]) -> Episode:
        name, sample_id = row["dataset"], str(row["_id"])
        spec = task(name)
        chunks = chunk_text(row["context"], self.chunker)
        events = tuple(MemoryEvent(f"{sample_id}:{i}", text, kind=EventKind.chunk) for i, text in enumerate(chunks))
        meta = {"length": row.get("length"), "all_classes": row.get("all_classes")}
        question = Question(sample_id, row["input"], tuple(str(a) for a in row["answers"]), name, meta=meta)
        return Episode(self.name, sample_id, events, (question,), spec.instruction, spec.max_new_tokens)


def read_task_file(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """The samples of one LongBench task file; a malformed line is an error naming the file, line and field."""
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                rows.append(_checked(_parsed(line, path, number), path, number))
    return rows[:limit]


def _parsed(line: str, path: Path, number: int) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: line {number} is not valid JSON ({error.msg})") from None
    if not isinstance(row, dict):
        raise ValueError(f"{path}: line {number} is not a JSON object")
    return row


def _checked(row: dict[str, Any], path: Path, number: int) -> dict[str, Any]:
    missing = [key for key in REQUIRED if key not in row]
    if missing:
        raise ValueError(f"{path}: line {number}: missing field {missing[0]!r} (LongBench lines have {REQUIRED})")
    answers = row["answers"]
    if not isinstance(answers, list) or not answers:
        raise ValueError(f"{path}: line {number}: field 'answers' must be a non-empty list, got {answers!r}")
    if not isinstance(row["context"], str) or not row["context"].strip():
        raise ValueError(f"{path}: line {number}: field 'context' must be non-empty text")
    name = row.get("dataset") or path.stem
    try:
        task(name)
    except ValueError as error:
        raise ValueError(f"{path}: line {number}: field 'dataset': {error}") from None
    return row | {"dataset": name}


def length_bucket(length: int | None) -> str | None:
    """LongBench-E's bucket of a sample's length in words."""
    if length is None:
        return None
    return next((label for limit, label in LENGTH_BUCKETS if length < limit), "8k+")


def _has_task_files(path: Path) -> bool:
    return (path.is_file() and path.suffix == ".jsonl") or (path.is_dir() and any(path.glob("*.jsonl")))

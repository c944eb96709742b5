"""The dataset contract: load episodes, score an answer, aggregate scores.

A dataset is one module with a `Dataset` subclass (a unique `name`, its
scoring version and per-question metric names, the first being the headline)
and its `<Class>Config` dataclass, plus one YAML in conf/dataset/. Subclasses
register themselves by name; a second class claiming a taken name is refused.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

from evals.datasets.episode import Episode, Question
from evals.datasets.files import files_sha256

RECALL_KS = (5, 10)
_REGISTRY: dict[str, type[Dataset]] = {}


class Dataset(ABC):
    name: ClassVar[str]
    scoring_version: ClassVar[int]
    metrics: ClassVar[tuple[str, ...]]  # per-question scores in every record; metrics[0] is the headline
    path: Path

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if inspect.isabstract(cls):
            return
        taken = _REGISTRY.get(cls.name)
        if taken is not None and _qualified(taken) != _qualified(cls):
            raise TypeError(f"dataset name {cls.name!r} is taken by {_qualified(taken)}: "
                            f"{_qualified(cls)} needs another")
        _REGISTRY[cls.name] = cls

    @abstractmethod
    def load(self) -> list[Episode]:
        """The selected episodes, each with at least one question overall."""

    @abstractmethod
    def score(self, question: Question, prediction: str) -> dict[str, float]:
        """This dataset's scores of one prediction, keyed by `metrics`."""

    @cached_property
    def sha256(self) -> str:
        return files_sha256(self.path)

    def prediction(self, question: Question, output: str) -> str:
        """The answer scored from a model's output: its first non-empty line (short-answer tasks)."""
        return first_line(output)

    def annotate(self, question: Question) -> dict[str, Any]:
        """Fields this dataset adds to each record (LongBench: the task's metric and length bucket)."""
        return {}

    def retrieval_scores(self, question: Question, retrieved_refs: Sequence[str], searched: bool) -> dict[str, Any]:
        """Evidence recall@k over event ids: None when the system did not search (or there is no
        evidence), 0 when a search found nothing."""
        return {f"evidence_recall@{k}": evidence_recall(question.evidence, retrieved_refs, k) if searched else None
                for k in RECALL_KS}

    def aggregate(self, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Means of every metric, overall and by category, and of evidence recall."""
        by_category = group_by_category(records)
        summary: dict[str, Any] = {"scoring_version": self.scoring_version, "n": len(records)}
        for metric in self.metrics:
            summary[metric] = mean(r[metric] for r in records)
            summary[f"{metric}_by_category"] = {c: mean(r[metric] for r in rs) for c, rs in by_category.items()}
        summary["n_by_category"] = {c: len(rs) for c, rs in by_category.items()}
        summary |= {f"evidence_recall@{k}": mean(r.get(f"evidence_recall@{k}") for r in records) for k in RECALL_KS}
        return summary


def first_line(text: str) -> str:
    """The first non-empty line, stripped."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def registered() -> dict[str, type[Dataset]]:
    """Dataset classes by name (those whose modules were imported)."""
    return dict(_REGISTRY)


def evidence_recall(evidence: Sequence[str], retrieved_refs: Sequence[str], k: int) -> float | None:
    """Fraction of the evidence ids among the first `k` retrieved refs; None without evidence."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if not evidence:
        return None
    top = set(retrieved_refs[:k])
    return sum(ref in top for ref in evidence) / len(evidence)


def group_by_category(records: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Records by category (string keys), numeric categories in numeric order."""
    return group_by(records, "category")


def group_by(records: Iterable[Mapping[str, Any]], field: str) -> dict[str, list[Mapping[str, Any]]]:
    """Records by the value of `field` (string keys, numbers in numeric order); records without it are left out."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for record in sorted((r for r in records if r.get(field) is not None), key=lambda r: _category_order(r[field])):
        groups.setdefault(str(record[field]), []).append(record)
    return groups


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not None; None if there are none."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _category_order(category: int | str) -> tuple[int, int | str]:
    return (0, int(category)) if str(category).lstrip("-").isdigit() else (1, str(category))


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"

"""LoCoMo as a run's dataset: which conversations, which questions, and a seeded sample."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from evals.locomo.loader import (
    CATEGORY_NAMES,
    Conversation,
    dataset_sha256,
    load_locomo,
    resolve_locomo_path,
    select,
)
from evals.locomo.scoring import SCORING_VERSION


@dataclass
class LocomoDatasetConfig:
    _target_: str = "evals.datasets.locomo.LocomoDataset"
    path: str | None = None  # None: env var MEMOS_LAB_LOCOMO, the cache, or ../shared/data
    sample_ids: list[str] | None = None  # None: all conversations
    categories: list[int] = field(default_factory=lambda: [1, 2, 3, 4])
    max_questions: int | None = None  # per conversation, after stride and sample
    question_stride: int = 1  # every k-th question: a systematic sample keeping the category mix
    question_sample: int | None = None  # a seeded random sample of this many questions per conversation
    sample_seed: int = 0

    def __post_init__(self) -> None:
        unknown = sorted(set(self.categories) - set(CATEGORY_NAMES))
        if unknown or not self.categories:
            known = sorted(CATEGORY_NAMES)
            raise ValueError(f"dataset.categories={list(self.categories)}: LoCoMo has categories {known}")
        if self.question_stride < 1:
            raise ValueError(f"dataset.question_stride={self.question_stride} must be >= 1")
        for key in ("max_questions", "question_sample"):
            value = getattr(self, key)
            if value is not None and value < 1:
                raise ValueError(f"dataset.{key}={value} must be >= 1 (or null for all)")


class LocomoDataset:
    name = "locomo"
    scoring_version = SCORING_VERSION

    def __init__(self, path: str | None = None, sample_ids: list[str] | None = None,
                 categories: list[int] = (1, 2, 3, 4), max_questions: int | None = None, question_stride: int = 1,
                 question_sample: int | None = None, sample_seed: int = 0) -> None:
        self.path: Path = resolve_locomo_path(path)
        self.sample_ids = None if sample_ids is None else [str(i) for i in sample_ids]
        self.categories = list(categories)
        self.max_questions, self.question_stride = max_questions, question_stride
        self.question_sample, self.sample_seed = question_sample, sample_seed

    @cached_property
    def sha256(self) -> str:
        return dataset_sha256(self.path)

    def load(self) -> list[Conversation]:
        chosen = select(load_locomo(self.path), sample_ids=self.sample_ids, categories=self.categories,
                        stride=self.question_stride)
        conversations = [self._sampled(c) for c in chosen]
        if not any(c.questions for c in conversations):
            raise ValueError(f"dataset: the selection has no questions (sample_ids={self.sample_ids}, "
                             f"categories={self.categories})")
        return conversations

    def _sampled(self, conversation: Conversation) -> Conversation:
        questions = list(conversation.questions)
        if self.question_sample is not None and self.question_sample < len(questions):
            rng = random.Random(f"{self.sample_seed}:{conversation.sample_id}")
            keep = set(rng.sample(range(len(questions)), self.question_sample))
            questions = [q for i, q in enumerate(questions) if i in keep]  # original order
        return dataclasses.replace(conversation, questions=tuple(questions[: self.max_questions]))

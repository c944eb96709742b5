"""LoCoMo as a run's dataset: which conversations, which questions, a seeded sample, and its scorer.

Each conversation is an episode: its turns are the events (id = dia_id, with
session date and speaker), its questions keep their category and evidence.
Scores are LoCoMo's own (evals/locomo/scoring.py): F1 by category rule and BLEU-1.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from evals.datasets.base import Dataset
from evals.datasets.episode import Episode, MemoryEvent, Question
from evals.datasets.overlap import rouge_l_f
from evals.datasets.sampling import check_counts, seeded_sample
from evals.locomo import audit, loader, scoring


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
    corrected_answers: str | None = None  # an audit file (or folder) of corrected gold: adds f1_audited

    def __post_init__(self) -> None:
        unknown = sorted(set(self.categories) - set(loader.CATEGORY_NAMES))
        if unknown or not self.categories:
            known = sorted(loader.CATEGORY_NAMES)
            raise ValueError(f"dataset.categories={list(self.categories)}: LoCoMo has categories {known}")
        if self.question_stride < 1:
            raise ValueError(f"dataset.question_stride={self.question_stride} must be >= 1")
        check_counts("dataset", max_questions=self.max_questions, question_sample=self.question_sample)


class LocomoDataset(Dataset):
    name = "locomo"
    scoring_version = scoring.SCORING_VERSION
    metrics: tuple[str, ...] = ("f1", "bleu1", "rouge_l")

    def __init__(self, path: str | None = None, sample_ids: list[str] | None = None,
                 categories: Sequence[int] = (1, 2, 3, 4), max_questions: int | None = None,
                 question_stride: int = 1, question_sample: int | None = None, sample_seed: int = 0,
                 corrected_answers: str | None = None) -> None:
        self.path_setting = path
        self.sample_ids = None if sample_ids is None else [str(i) for i in sample_ids]
        self.categories = list(categories)
        self.max_questions, self.question_stride = max_questions, question_stride
        self.question_sample, self.sample_seed = question_sample, sample_seed
        self.corrections = audit.load_corrections(corrected_answers) if corrected_answers else None
        if self.corrections is not None:
            self.metrics = (*self.metrics, "f1_audited")

    @cached_property
    def path(self) -> Path:
        return loader.resolve_locomo_path(self.path_setting)

    @cached_property
    def sha256(self) -> str:
        return loader.dataset_sha256(self.path)

    def load(self) -> list[Episode]:
        chosen = loader.select(loader.load_locomo(self.path), sample_ids=self.sample_ids,
                               categories=self.categories, stride=self.question_stride)
        episodes = [self._sampled(self._audited(episode_of(c))) for c in chosen]
        if not any(e.questions for e in episodes):
            raise ValueError(f"dataset: the selection has no questions (sample_ids={self.sample_ids}, "
                             f"categories={self.categories})")
        return episodes

    def score(self, question: Question, prediction: str) -> dict[str, float]:
        category = int(question.category)
        scores = {"f1": scoring.score_answer(prediction, question.answer, category),
                  "bleu1": scoring.bleu1(prediction, question.answer),
                  "rouge_l": rouge_l_f(prediction, question.answer)}
        if self.corrections is not None:
            corrected = question.meta.get("corrected_answer", question.answer)
            scores["f1_audited"] = scoring.score_answer(prediction, corrected, category)
        return scores

    def retrieval_scores(self, question: Question, retrieved_refs: Sequence[str], searched: bool) -> dict[str, Any]:
        evidence = scoring.normalize_evidence(question.evidence)
        return super().retrieval_scores(dataclasses.replace(question, evidence=evidence), retrieved_refs, searched)

    def aggregate(self, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        return scoring.aggregate(records)

    def _audited(self, episode: Episode) -> Episode:
        """The episode's questions with the audit's corrected answer in their meta, where it has one."""
        if self.corrections is None:
            return episode
        return dataclasses.replace(episode, questions=tuple(self._corrected(q) for q in episode.questions))

    def _corrected(self, question: Question) -> Question:
        correction = self.corrections.get(question.qid)
        if correction is None:
            return question
        if correction.question.strip() != question.question.strip():
            raise ValueError(f"dataset.corrected_answers: {question.qid} asks {correction.question!r} in the audit "
                             f"but {question.question!r} in the data (another version of LoCoMo)")
        return dataclasses.replace(question, meta={**question.meta, "corrected_answer": correction.answer})

    def _sampled(self, episode: Episode) -> Episode:
        questions = seeded_sample(episode.questions, self.question_sample, self.sample_seed, episode.episode_id)
        return dataclasses.replace(episode, questions=tuple(questions[: self.max_questions]))


def episode_of(conversation: loader.Conversation) -> Episode:
    """A LoCoMo conversation as an episode: turns become events, questions keep category and evidence."""
    events = tuple(MemoryEvent(t.dia_id, t.text, time=t.date_time, speaker=t.speaker, session=str(t.session))
                   for t in conversation.turns)
    questions = tuple(Question(q.qid, q.question, (q.answer,), q.category, q.evidence)
                      for q in conversation.questions)
    meta = {"speakers": [conversation.speaker_a, conversation.speaker_b]}
    return Episode("locomo", conversation.sample_id, events, questions, meta=meta)


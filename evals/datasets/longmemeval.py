"""LongMemEval (Wu et al., ICLR 2025) as a run's dataset: one episode per question, its haystack as memory.

Every turn of every haystack session is an event: id "<session_id>:<turn number from 1>", the
session's date as its time, the role as speaker, the session id as session. The question is asked
at its question_date; its category is its question_type; its evidence is the turns marked
has_answer. Answers are scored without a judge by normalised containment (`contains`, NOT the
paper's GPT-4o judge: `python -m evals.judge RUN_DIR judge=...` gives that); abstention questions
(`_abs` in the id) score 1 when the answer declines. Evidence recall is turn-level (has_answer turns)
and session-level (answer_session_ids). Format, metrics and versions: README_longmemeval.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from evals.datasets.base import RECALL_KS, Dataset, mean
from evals.datasets.episode import Episode, MemoryEvent, Question
from evals.datasets.files import DatasetNotFoundError, cache_dir, resolve_data_path
from evals.datasets.json_fields import Where, read_json_list
from evals.datasets.sampling import check_counts, seeded_sample
from evals.errors import UserError
from evals.locomo.scoring import ADVERSARIAL_PHRASES, adversarial_score, normalize_answer

SCORING_VERSION = 1  # bump on any change that can move a score (history in README_longmemeval.md)
ENV_VAR = "MEMOS_LAB_LONGMEMEVAL"
QUESTION_TYPES = ("single-session-user", "single-session-assistant", "single-session-preference",
                  "multi-session", "temporal-reasoning", "knowledge-update")
RUBRIC_TYPES = ("single-session-preference",)  # the gold answer is a rubric: only a judge can score it
VARIANTS = ("s", "m", "oracle")
HUB_REPO = "xiaowu0162/longmemeval-cleaned"  # the authors' cleaned release; the raw JSON, as the loader reads it
HUB_FILES = {"s": "longmemeval_s_cleaned.json", "m": "longmemeval_m_cleaned.json", "oracle": "longmemeval_oracle.json"}
ABSTENTION_PHRASES = (*ADVERSARIAL_PHRASES, "no information", "not enough information", "don't know",
                      "do not know", "cannot answer", "can't answer", "unable to answer", "not provided")
CONTAINS_NOTE = ("contains: the normalised gold answer appears in the normalised prediction (abstention "
                 "questions: the prediction declines); not the official LLM judge")


@dataclass
class LongMemEvalDatasetConfig:
    _target_: str = "evals.datasets.longmemeval.LongMemEvalDataset"
    path: str | None = None  # a LongMemEval JSON file or a folder of them; None: $MEMOS_LAB_LONGMEMEVAL, the cache,
    # then ../shared/data/longmemeval
    variant: str = "s"  # the file a folder gives: s (~115k tokens of history), m (~500 sessions), oracle
    question_types: list[str] | None = None  # None: all six
    question_ids: list[str] | None = None  # None: every question
    max_questions: int | None = None  # the first this many, after the sample
    question_sample: int | None = None  # a seeded random sample of this many questions
    sample_seed: int = 0
    download: bool = False  # no local copy: fetch the variant from the Hugging Face hub into the cache

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"dataset.variant={self.variant!r}: LongMemEval has variants {list(VARIANTS)}")
        unknown = sorted(set(self.question_types or ()) - set(QUESTION_TYPES))
        if unknown or self.question_types == []:
            raise ValueError(f"dataset.question_types={self.question_types}: LongMemEval has {list(QUESTION_TYPES)}")
        check_counts("dataset", max_questions=self.max_questions, question_sample=self.question_sample)


class LongMemEvalDataset(Dataset):
    name = "longmemeval"
    scoring_version = SCORING_VERSION
    metrics = ("contains", "abstained")

    def __init__(self, path: str | None = None, variant: str = "s", question_types: Sequence[str] | None = None,
                 question_ids: Sequence[str] | None = None, max_questions: int | None = None,
                 question_sample: int | None = None, sample_seed: int = 0, download: bool = False) -> None:
        self.path_setting, self.variant, self.download = path, variant, download
        self.question_types = None if question_types is None else list(question_types)
        self.question_ids = None if question_ids is None else [str(q) for q in question_ids]
        self.max_questions, self.question_sample, self.sample_seed = max_questions, question_sample, sample_seed

    @cached_property
    def path(self) -> Path:
        """The JSON file read (a folder setting resolves to its `longmemeval_<variant>[_cleaned].json`)."""
        has_data = lambda location: data_file(location, self.variant) is not None  # noqa: E731
        expected = f"a LongMemEval JSON file or a folder with longmemeval_{self.variant}[_cleaned].json"
        try:
            found = resolve_data_path(self.name, self.path_setting, ENV_VAR, has_data, expected)
        except DatasetNotFoundError as error:
            if not self.download:
                raise DatasetNotFoundError(f"{error} (or set dataset.download=true to fetch {HUB_REPO})") from None
            return download(self.variant)
        return data_file(found, self.variant)

    def load(self) -> list[Episode]:
        items = read_json_list(self.path, "LongMemEval questions")
        places = [Where(self.path, _item_name(i, item)) for i, item in enumerate(items)]
        chosen = [(item, where) for item, where in zip(items, places, strict=True) if self._selected(item, where)]
        chosen = seeded_sample(chosen, self.question_sample, self.sample_seed, "longmemeval")[: self.max_questions]
        if not chosen:
            raise UserError(f"dataset: no LongMemEval question in {self.path} matches question_types="
                            f"{self.question_types}, question_ids={self.question_ids}")
        return [episode_of(item, where) for item, where in chosen]

    def score(self, question: Question, prediction: str) -> dict[str, float | None]:
        declined = abstains(prediction)
        if is_abstention(question.qid):
            correct: float | None = declined
        elif question.category in RUBRIC_TYPES:
            correct = None
        else:
            correct = contains_answer(prediction, question.answer)
        return {"contains": correct, "abstained": declined}

    def retrieval_scores(self, question: Question, retrieved_refs: Sequence[str], searched: bool) -> dict[str, Any]:
        """Turn-level evidence recall@k (base class) and session-level recall@k; None for abstention questions,
        which LongMemEval's retrieval evaluation skips (their evidence is not the answer's location)."""
        scores = super().retrieval_scores(question, retrieved_refs, searched)
        sessions = question.meta.get("answer_session_ids", ())
        scores |= {f"session_recall@{k}": session_recall(sessions, retrieved_refs, k) if searched else None
                   for k in RECALL_KS}
        return {key: None for key in scores} if is_abstention(question.qid) else scores

    def aggregate(self, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """The base means by question type, plus session recall, abstention accuracy and the task average."""
        summary = super().aggregate(records)
        summary |= {f"session_recall@{k}": mean(r.get(f"session_recall@{k}") for r in records) for k in RECALL_KS}
        abstention = [r for r in records if is_abstention(r["qid"])]
        summary["contains_abstention"] = mean(r["contains"] for r in abstention)
        summary["n_abstention"] = len(abstention)
        summary["contains_task_averaged"] = mean(summary["contains_by_category"].values())
        summary["answer_metric"] = CONTAINS_NOTE
        return summary

    def _selected(self, item: Any, where: Where) -> bool:
        qid, question_type = where.text(item, "question_id"), where.text(item, "question_type")
        if question_type not in QUESTION_TYPES:
            raise where.error(f"field 'question_type' is {question_type!r}, not one of {list(QUESTION_TYPES)}")
        return ((self.question_types is None or question_type in self.question_types)
                and (self.question_ids is None or qid in self.question_ids))


def data_file(location: Path, variant: str) -> Path | None:
    """The file to read at `location`: itself, or a folder's longmemeval_<variant>.json (or the _cleaned one)."""
    location = Path(location)
    if location.is_file():
        return location
    names = (f"longmemeval_{variant}.json", f"longmemeval_{variant}_cleaned.json")
    return next((location / name for name in names if (location / name).is_file()), None)


def download(variant: str) -> Path:
    """Fetch the variant's file from the Hugging Face hub into the cache (where later runs find it)."""
    from huggingface_hub import hf_hub_download

    try:
        return Path(hf_hub_download(HUB_REPO, HUB_FILES[variant], repo_type="dataset",
                                    local_dir=cache_dir("longmemeval")))
    except Exception as error:  # offline (HF_HUB_OFFLINE), unreachable or refused: say so in one line
        raise DatasetNotFoundError(f"longmemeval: could not download {HUB_FILES[variant]} from {HUB_REPO} "
                                   f"({type(error).__name__}); set dataset.path to a local copy") from None


def episode_of(item: Mapping[str, Any], where: Where) -> Episode:
    """One LongMemEval question as an episode: its haystack's turns as events, the question asked after them."""
    qid = where.text(item, "question_id")
    events, evidence = _haystack(item, where)
    answer = where.field(item, "answer", (str, int, float))
    sessions = tuple(str(s) for s in where.field(item, "answer_session_ids", list))
    question = Question(qid, where.text(item, "question"), (str(answer),), where.text(item, "question_type"),
                        evidence=tuple(evidence), asked_at=where.text(item, "question_date"),
                        meta={"abstention": is_abstention(qid), "answer_session_ids": sessions})
    return Episode("longmemeval", qid, tuple(events), (question,))


def _haystack(item: Mapping[str, Any], where: Where) -> tuple[list[MemoryEvent], list[str]]:
    """The events of every session in order, and the ids of the turns marked has_answer."""
    ids = where.field(item, "haystack_session_ids", list)
    dates = where.field(item, "haystack_dates", list)
    sessions = where.field(item, "haystack_sessions", list)
    if not len(ids) == len(dates) == len(sessions):
        raise where.error(f"haystack_session_ids, haystack_dates and haystack_sessions differ in length "
                          f"({len(ids)}, {len(dates)}, {len(sessions)})")
    events, evidence = [], []
    for session_id, date, turns in zip(ids, dates, sessions, strict=True):
        place = where.inner(f"session {session_id!r}")
        if not isinstance(turns, list):
            raise place.error(f"expected a list of turns, got {type(turns).__name__}")
        for number, turn in enumerate(turns, start=1):
            event, has_answer = _turn(turn, str(session_id), number, str(date), place.inner(f"turn {number}"))
            events += [event] if event.text.strip() else []
            evidence += [event.event_id] if has_answer else []
    return events, evidence


def _turn(turn: Any, session_id: str, number: int, date: str, where: Where) -> tuple[MemoryEvent, bool]:
    role, content = where.text(turn, "role"), where.text(turn, "content")
    has_answer = where.field(turn, "has_answer", bool) if "has_answer" in turn else False
    return MemoryEvent(f"{session_id}:{number}", content, time=date, speaker=role, session=session_id), has_answer


def _item_name(index: int, item: Any) -> str:
    qid = item.get("question_id") if isinstance(item, dict) else None
    return f"item {index} (question_id {qid!r})" if qid is not None else f"item {index}"


def is_abstention(qid: str) -> bool:
    """An abstention question, as LongMemEval's own scripts tell them: `_abs` in the question id."""
    return "_abs" in str(qid)


def abstains(prediction: str) -> float:
    """1.0 if the prediction declines to answer (LoCoMo's phrases plus "don't know", "cannot answer", ...)."""
    return adversarial_score(str(prediction).replace("\u2019", "'"), ABSTENTION_PHRASES)


def contains_answer(prediction: str, answer: str) -> float | None:
    """1.0 if the normalised answer's words appear, in order and whole, in the normalised prediction
    (LoCoMo's normalisation: lower case, no punctuation, no a/an/the/and); None for an empty answer."""
    gold = normalize_answer(answer)
    if not gold:
        return None
    return float(f" {gold} " in f" {normalize_answer(prediction)} ")


def session_recall(answer_sessions: Sequence[str], retrieved_refs: Sequence[str], k: int) -> float | None:
    """Fraction of the evidence sessions with a turn among the first `k` retrieved turn ids; None without any."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if not answer_sessions:
        return None
    found = {ref.rsplit(":", 1)[0] for ref in retrieved_refs[:k]}
    return sum(session in found for session in answer_sessions) / len(answer_sessions)

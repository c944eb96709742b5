"""PrefEval (Zhao et al., ICLR 2025) as a run's dataset: does memory bring a stated preference back for a question?

One episode per (preference item, distractor count N): the events are the preference as the user
gave it (explicit: the user's statement; implicit choice-based: the multiple-choice exchange;
implicit persona-driven: the persona dialogue), then N distractor turns (user/assistant pairs: the
first N of PrefEval's filtered_inter_turns.json, the same for every item, as upstream), then the
question. Its category is N, so a run's table reads by distractor count; form and topic are in
the question's meta and in `*_by_form`. The gold answer is the preference itself.

Per question, without a judge: `preference_recall@k`, 1 when any of the preference's events is among
the first k retrieved refs (None when the system does not search). Whether an answer follows the
preference is the four-part judgement of prefeval_judge.py, for the judging stage.
Format, metrics and versions: README_prefeval.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from evals.datasets.base import RECALL_KS, Dataset, group_by_category, mean
from evals.datasets.episode import Episode, MemoryEvent, Question
from evals.datasets.files import DatasetNotFoundError, files_sha256, resolve_data_path
from evals.datasets.json_fields import DatasetFormatError, Where, read_json_list
from evals.datasets.sampling import check_counts, seeded_sample
from evals.errors import UserError

SCORING_VERSION = 1  # bump on any change that can move a score (history in README_prefeval.md)
ENV_VAR = "MEMOS_LAB_PREFEVAL"
FORM_DIRS = {"explicit": "explicit_preference", "choice": "implicit_preference/choice-based",
             "persona": "implicit_preference/persona-driven"}
INTER_TURNS = "filtered_inter_turns.json"
SYSTEM_PROMPT = "You are a helpful assistant."  # PrefEval's config.yaml system_prompt
CHOICE_USER_KEYS = ("query", "user_selection")  # the other keys of a choice-based conversation are the assistant's
ANSWER_NOTE = ("preference following needs a judge: the four checks of evals/datasets/prefeval_judge.py "
               "(python -m evals.judge RUN_DIR judge=...)")


@dataclass
class PrefEvalDatasetConfig:
    _target_: str = "evals.datasets.prefeval.PrefEvalDataset"
    path: str | None = None  # PrefEval's benchmark_dataset/ folder (or the repository), or one topic file;
    # None: $MEMOS_LAB_PREFEVAL, the cache, then ../shared/data/prefeval
    forms: list[str] | None = None  # explicit, choice, persona; None: every form the folder has
    topics: list[str] | None = None  # file stems (travel_restaurant, ...); None: all
    distractor_turns: list[int] = field(default_factory=lambda: [0, 10, 100, 300])  # N per episode, each item at all
    inter_turns_path: str | None = None  # the distractor file; None: filtered_inter_turns.json beside the data
    max_items: int | None = None  # preference items per topic file, after the sample
    item_sample: int | None = None  # a seeded random sample of this many items per topic file
    sample_seed: int = 0
    instruction: str | None = SYSTEM_PROMPT  # the answering system prompt; None: the memory system's own
    max_answer_tokens: int | None = 300  # PrefEval's max_gen_tokens; None: the memory system's own

    def __post_init__(self) -> None:
        unknown = sorted(set(self.forms or ()) - set(FORM_DIRS))
        if unknown or self.forms == []:
            raise ValueError(f"dataset.forms={self.forms}: PrefEval has forms {list(FORM_DIRS)}")
        turns = list(self.distractor_turns)
        if not turns or min(turns) < 0 or len(set(turns)) != len(turns):
            raise ValueError(f"dataset.distractor_turns={turns} must be distinct counts >= 0")
        check_counts("dataset", max_items=self.max_items, item_sample=self.item_sample)
        if self.max_answer_tokens is not None and self.max_answer_tokens < 1:
            raise ValueError(f"dataset.max_answer_tokens={self.max_answer_tokens} must be >= 1 (or null)")


@dataclass(frozen=True)
class TopicFile:
    form: str
    topic: str
    path: Path


class PrefEvalDataset(Dataset):
    """Scores come from `retrieval_scores` (judge-free preference recall), so `score` adds none."""

    name = "prefeval"
    scoring_version = SCORING_VERSION
    metrics = ("preference_recall@10", "preference_recall@5")

    def __init__(self, path: str | None = None, forms: Sequence[str] | None = None,
                 topics: Sequence[str] | None = None, distractor_turns: Sequence[int] = (0, 10, 100, 300),
                 inter_turns_path: str | None = None, max_items: int | None = None, item_sample: int | None = None,
                 sample_seed: int = 0, instruction: str | None = SYSTEM_PROMPT,
                 max_answer_tokens: int | None = 300) -> None:
        self.path_setting, self.inter_turns_setting = path, inter_turns_path
        self.forms = None if forms is None else list(forms)
        self.topics = None if topics is None else list(topics)
        self.distractor_turns = [int(n) for n in distractor_turns]
        self.max_items, self.item_sample, self.sample_seed = max_items, item_sample, sample_seed
        self.instruction, self.max_answer_tokens = instruction, max_answer_tokens

    @cached_property
    def path(self) -> Path:
        """The data read: a benchmark_dataset folder, or one topic file."""
        expected = "PrefEval's benchmark_dataset folder (explicit_preference/, implicit_preference/) or a topic file"
        return data_root(resolve_data_path(self.name, self.path_setting, ENV_VAR, _has_data, expected))

    @cached_property
    def topic_files(self) -> list[TopicFile]:
        files = topic_files(self.path, self.forms)
        chosen = [f for f in files if self.topics is None or f.topic in self.topics]
        if not chosen:
            raise UserError(f"dataset: no PrefEval topic file in {self.path} for forms={self.forms}, "
                            f"topics={self.topics} (found {sorted({f.topic for f in files})})")
        return chosen

    @cached_property
    def inter_turns_file(self) -> Path | None:
        """The distractor file, needed only when some distractor count is above 0."""
        if max(self.distractor_turns) == 0:
            return None
        if self.inter_turns_setting is not None:
            return Path(self.inter_turns_setting)
        found = next((p / INTER_TURNS for p in (self.path, *self.path.parents[:3]) if (p / INTER_TURNS).is_file()),
                     None)
        if found is None:
            raise DatasetNotFoundError(f"prefeval: no {INTER_TURNS} beside {self.path}; set dataset.inter_turns_path "
                                       f"or dataset.distractor_turns=[0]")
        return found

    @cached_property
    def sha256(self) -> str:
        """sha256 of the topic files and the distractor file read."""
        files = [f.path for f in self.topic_files] + [p for p in (self.inter_turns_file,) if p is not None]
        return files_sha256(self.path, files)

    def load(self) -> list[Episode]:
        distractors = distractor_events(self.inter_turns_file, max(self.distractor_turns))
        episodes = []
        for topic_file in self.topic_files:
            items = list(enumerate(read_json_list(topic_file.path, "PrefEval preference items")))
            key = f"{topic_file.form}:{topic_file.topic}"
            for index, item in seeded_sample(items, self.item_sample, self.sample_seed, key)[: self.max_items]:
                where = Where(topic_file.path, f"item {index}")
                preference = preference_events(topic_file.form, item, where)
                episodes += [self._episode(topic_file, index, item, where, preference, distractors[: 2 * n], n)
                             for n in self.distractor_turns]
        return episodes

    def score(self, question: Question, prediction: str) -> dict[str, float]:
        return {}

    def retrieval_scores(self, question: Question, retrieved_refs: Sequence[str], searched: bool) -> dict[str, Any]:
        """Evidence recall@k (the fraction of the preference's events retrieved) and preference recall@k
        (any of them retrieved: the preference reached the context); None when the system did not search."""
        top = {k: set(retrieved_refs[:k]) for k in RECALL_KS}
        recall = {f"preference_recall@{k}": float(any(e in top[k] for e in question.evidence)) if searched else None
                  for k in RECALL_KS}
        return super().retrieval_scores(question, retrieved_refs, searched) | recall

    def aggregate(self, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """The base means by distractor count, plus preference recall by form and by form and count."""
        summary = super().aggregate(records)
        by_form: dict[str, list[Mapping[str, Any]]] = {}
        for record in records:
            by_form.setdefault(str(record["qid"]).split(":")[0], []).append(record)
        for k in RECALL_KS:
            metric = f"preference_recall@{k}"
            summary[f"{metric}_by_form"] = {form: mean(r[metric] for r in rs) for form, rs in by_form.items()}
            summary[f"{metric}_by_form_and_turns"] = {
                form: {n: mean(r[metric] for r in group) for n, group in group_by_category(rs).items()}
                for form, rs in by_form.items()}
        summary["n_by_form"] = {form: len(rs) for form, rs in by_form.items()}
        summary["answer_metric"] = ANSWER_NOTE
        return summary

    def _episode(self, topic_file: TopicFile, index: int, item: Mapping[str, Any], where: Where,
                 preference: list[MemoryEvent], distractors: list[MemoryEvent], n: int) -> Episode:
        form, topic = topic_file.form, topic_file.topic
        stated = where.text(item, "preference")
        meta = {"form": form, "topic": topic, "item": index, "distractor_turns": n,
                "explanation": item.get("explanation", ""), "preference": stated}
        question = Question(f"{form}:{topic}:{index}:{n}", where.text(item, "question"), (stated,), n,
                            evidence=tuple(e.event_id for e in preference), meta=meta)
        return Episode("prefeval", f"{form}-{topic}-{index}-{n}", (*preference, *distractors), (question,),
                       instruction=self.instruction, max_answer_tokens=self.max_answer_tokens, meta=meta)


def _has_data(location: Path) -> bool:
    root = data_root(location)
    return root.is_file() or any((root / d).is_dir() for d in FORM_DIRS.values())


def data_root(location: Path) -> Path:
    """A repository checkout's benchmark_dataset/ folder, else the location itself."""
    location = Path(location)
    return location / "benchmark_dataset" if (location / "benchmark_dataset").is_dir() else location


def topic_files(root: Path, forms: Sequence[str] | None) -> list[TopicFile]:
    """The topic files of the chosen forms (all present when None); a single file is one topic of its own form."""
    if root.is_file():
        form = form_of(read_json_list(root, "PrefEval preference items"), root)
        if forms is not None and form not in forms:
            raise UserError(f"dataset: {root} holds {form} preferences, dataset.forms={list(forms)}")
        return [TopicFile(form, root.stem, root)]
    present = [f for f in FORM_DIRS if (root / FORM_DIRS[f]).is_dir()]
    missing = [f for f in forms or () if f not in present]
    if missing:
        raise DatasetNotFoundError(f"prefeval: {root} has no {', '.join(FORM_DIRS[f] + '/' for f in missing)} "
                                   f"(dataset.forms={list(forms)})")
    return [TopicFile(form, file.stem, file) for form in (forms or present)
            for file in sorted((root / FORM_DIRS[form]).glob("*.json"))]


def form_of(items: list[Any], path: Path) -> str:
    """Which form a lone topic file holds, from its first item's fields."""
    first = items[0] if items else None
    if not isinstance(first, dict):
        raise DatasetFormatError(f"{path}: expected a list of PrefEval preference items")
    return "persona" if "persona" in first else "choice" if "conversation" in first else "explicit"


def preference_events(form: str, item: Any, where: Where) -> list[MemoryEvent]:
    """How the user gave the preference, as events "pref:1", "pref:2", ...: (role, text) by form."""
    where.text(item, "question")  # every form has one; checked before any event is built
    if form == "explicit":
        messages = [("user", where.text(item, "preference"))]
    else:
        conversation = where.field(item, "conversation", dict)
        messages = _choice_messages(conversation, where) if form == "choice" else _persona_messages(conversation, where)
    if not messages:
        raise where.error("field 'conversation' is empty")
    return [MemoryEvent(f"pref:{i}", text, speaker=role, session="preference")
            for i, (role, text) in enumerate(messages, start=1)]


def _choice_messages(conversation: dict[str, Any], where: Where) -> list[tuple[str, str]]:
    """query, assistant_options, user_selection, assistant_acknowledgment: in file order, roles as upstream."""
    place = where.inner("conversation")
    return [("user" if key in CHOICE_USER_KEYS else "assistant", place.text(conversation, key)) for key in conversation]


def _persona_messages(conversation: dict[str, Any], where: Where) -> list[tuple[str, str]]:
    """{"0": {"user": ..., "assistant": ...}, "1": ...}: each turn's user message, then the assistant's."""
    return [(role, where.inner(f"conversation turn {key!r}").text(turn, role))
            for key, turn in conversation.items() for role in ("user", "assistant")]


def distractor_events(path: Path | None, turns: int) -> list[MemoryEvent]:
    """The first `turns` user/assistant pairs of the distractor file's conversations, in order, as events
    "inter:1", "inter:2", ... (two per turn); the file must hold that many and alternate user, assistant."""
    if path is None or turns == 0:
        return []
    messages = []
    for index, record in enumerate(read_json_list(path, "distractor conversations")):
        where = Where(path, f"item {index}")
        for number, message in enumerate(where.field(record, "conversation", list), start=1):
            place = where.inner(f"message {number}")
            messages.append((place.text(message, "role"), place.text(message, "content"), place))
            if len(messages) == 2 * turns:
                return _alternating(messages, path)
    raise DatasetFormatError(f"{path}: holds {len(messages) // 2} distractor turn(s), dataset.distractor_turns "
                             f"asks for {turns}")


def _alternating(messages: list[tuple[str, str, Where]], path: Path) -> list[MemoryEvent]:
    for i, (role, _, where) in enumerate(messages):
        expected = "user" if i % 2 == 0 else "assistant"
        if role != expected:
            raise where.error(f"role {role!r} where a distractor turn needs {expected!r} (turns alternate user, "
                              f"assistant)")
    return [MemoryEvent(f"inter:{i}", text, speaker=role, session="distractors")
            for i, (role, text, _) in enumerate(messages, start=1)]

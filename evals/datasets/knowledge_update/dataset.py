"""Knowledge updates as a run's dataset: seeded users whose facts change, asked about now, then, and never.

Each user (timeline.py) is an episode: their dated statements are the events
(ids "D<session>:<turn>", speaker = the user), then three kinds of question,
the category: `current` (the value now: "Where does Alice live now?"),
`past` (a superseded value on a day it held: "Where did Alice live on
14 April, 2023?") and `abstain` (a fact never stated; gold "No information
available"). Evidence is the events that establish the gold value. Every
question is asked on a day after the last session (`asked_at`). Scores are
exact (scoring.py): accuracy, plus `stale` on current questions and
`wrong_time` on past ones.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from functools import cached_property
from pathlib import Path

from evals.datasets.base import Dataset
from evals.datasets.episode import Episode, MemoryEvent, Question
from evals.datasets.knowledge_update import scoring
from evals.datasets.knowledge_update.timeline import ATTRIBUTES, User, check, make_users, spoken, written

NAME = "knowledge_update"
INSTRUCTION = (
    "You answer questions about what a person told you over several conversations, using the dated memories "
    "given. When a fact changed, the latest statement holds from its date on. Answer with the value only, in a "
    'few words. If the memories do not contain the answer, say "No information available."'
)


@dataclass
class KnowledgeUpdateDatasetConfig:
    _target_: str = "evals.datasets.knowledge_update.dataset.KnowledgeUpdateDataset"
    users: int = 5  # episodes, one user each
    facts_per_user: int = 3  # attributes stated (city, job, partner, food, instrument, pet)
    changes_per_fact: int = 2  # later values of each fact, each in its own later session
    sessions: int = 4  # dated sessions per user, 35-75 days apart
    restate_prob: float = 0.2  # chance a session restates a fact's current value
    fillers_per_session: int = 2  # small-talk lines per session (some name values that are not the user's)
    categories: list[str] = field(default_factory=lambda: list(scoring.CATEGORIES))  # the question mix
    past_per_fact: int = 1  # superseded values asked about per fact (at most changes_per_fact)
    abstain_per_user: int = 1  # never-stated facts asked about per user
    seed: int = 0

    def __post_init__(self) -> None:
        check(self.users, self.facts_per_user, self.changes_per_fact, self.sessions)
        unknown = sorted(set(self.categories) - set(scoring.CATEGORIES))
        if unknown or not self.categories:
            raise ValueError(f"dataset.categories={list(self.categories)}: choose from {list(scoring.CATEGORIES)}")
        if not 0 <= self.restate_prob <= 1:
            raise ValueError(f"dataset.restate_prob={self.restate_prob} must be in [0, 1]")
        if not 0 <= self.past_per_fact <= self.changes_per_fact:
            raise ValueError(f"dataset.past_per_fact={self.past_per_fact} must be in 0..changes_per_fact")
        if not 0 <= self.abstain_per_user <= len(ATTRIBUTES) - self.facts_per_user:
            raise ValueError(f"dataset.abstain_per_user={self.abstain_per_user} must be in "
                             f"0..{len(ATTRIBUTES) - self.facts_per_user} (the attributes left unstated)")
        if self.fillers_per_session < 0:
            raise ValueError(f"dataset.fillers_per_session={self.fillers_per_session} must be >= 0")


class KnowledgeUpdateDataset(Dataset):
    name = NAME
    scoring_version = scoring.SCORING_VERSION
    metrics = ("accuracy", "stale", "wrong_time")

    def __init__(self, users: int = 5, facts_per_user: int = 3, changes_per_fact: int = 2, sessions: int = 4,
                 restate_prob: float = 0.2, fillers_per_session: int = 2,
                 categories: list[str] | tuple[str, ...] = scoring.CATEGORIES, past_per_fact: int = 1,
                 abstain_per_user: int = 1, seed: int = 0) -> None:
        self.config = KnowledgeUpdateDatasetConfig(
            users=users, facts_per_user=facts_per_user, changes_per_fact=changes_per_fact, sessions=sessions,
            restate_prob=restate_prob, fillers_per_session=fillers_per_session, categories=list(categories),
            past_per_fact=past_per_fact, abstain_per_user=abstain_per_user, seed=seed)

    @property
    def path(self) -> Path:
        """The generator's code: the data is made, not read."""
        return Path(__file__).parent

    @cached_property
    def sha256(self) -> str:
        """A fingerprint of the generated episodes (equal settings and code give equal episodes)."""
        text = json.dumps([asdict(e) for e in self.load()], sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def load(self) -> list[Episode]:
        c = self.config
        users = make_users(c.users, c.facts_per_user, c.changes_per_fact, c.sessions, c.seed, c.restate_prob,
                           c.fillers_per_session)
        return [self._episode(user) for user in users]

    def score(self, question: Question, prediction: str) -> dict[str, float | None]:
        return scoring.score(prediction, str(question.category), question.answer, question.meta.get("history", ()))

    def _episode(self, user: User) -> Episode:
        rng = random.Random(f"{self.config.seed}:{user.name}:times")
        starts = {day: rng.randrange(8 * 60, 20 * 60) for day in user.session_days}  # a session's first minute
        events = tuple(MemoryEvent(s.event_id, s.text, time=spoken(s.day, starts[s.day] + 3 * _turn(s.event_id)),
                                   speaker=user.name, session=str(s.session)) for s in user.statements)
        episode_id = user.name.lower()
        asked_at = written(user.session_days[-1] + timedelta(days=14))
        questions = [Question(f"{episode_id}:{q.category}:{n}", q.question, q.answers, q.category, q.evidence,
                              asked_at, q.meta) for n, q in enumerate(self._questions(user))]
        return Episode(NAME, episode_id, events, tuple(questions), instruction=INSTRUCTION, max_answer_tokens=16)

    def _questions(self, user: User) -> list[Question]:
        rng = random.Random(f"{self.config.seed}:{user.name}:questions")
        made: list[Question] = []
        for attribute, history in user.facts.items():
            spec, values = ATTRIBUTES[attribute], [v for v, _, _ in history.values]
            meta = {"attribute": attribute, "history": values}
            if "current" in self.config.categories:
                made.append(_question(spec.now.format(s=user.name), history.current, "current",
                                      history.evidence(len(values) - 1), meta))
            if "past" in self.config.categories:
                for index in sorted(rng.sample(range(len(values) - 1), self.config.past_per_fact)):
                    day = _day_within(rng, history.values[index][1], history.values[index + 1][1])
                    made.append(_question(spec.then.format(s=user.name, d=written(day)), values[index], "past",
                                          history.evidence(index), meta))
        if "abstain" in self.config.categories:
            for attribute in rng.sample(user.unstated, self.config.abstain_per_user):
                question = ATTRIBUTES[attribute].now.format(s=user.name)
                made.append(_question(question, scoring.ABSTAIN, "abstain", (), {"attribute": attribute}))
        return made


def _question(text: str, gold: str, category: str, evidence: tuple[str, ...], meta: dict) -> Question:
    return Question("", text, (gold,), category, evidence, meta=dict(meta))


def _turn(event_id: str) -> int:
    return int(event_id.rpartition(":")[2])


def _day_within(rng: random.Random, start, end):
    """A day strictly after `start` (the value was stated) and strictly before `end` (it changed)."""
    return start + timedelta(days=rng.randrange(1, (end - start).days))

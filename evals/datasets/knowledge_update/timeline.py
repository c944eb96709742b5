"""Seeded users whose facts change across dated sessions: the knowledge-update timelines.

Each user states some facts (where they live, their job, partner, favourite
food, instrument, pet) in the first session, then changes some of them in
later sessions ("I moved to Lyon last month."), sometimes restates a current
value, and chats about other things (fillers, some naming values of the pools
that are not theirs). A `History` keeps every value of a fact with the day it
was stated and the event that stated it, so questions can ask for the value
now, on a past day, or about a fact never stated. Value pools come from
evals/synthetic_facts.py. The same settings always give the same timelines.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from evals.synthetic_facts import CITIES, FIRST_NAMES, FOODS, INSTRUMENTS, JOBS, MONTHS, PETS


@dataclass(frozen=True)
class Attribute:
    """One kind of fact: its values, how it is stated, changed and restated, and how it is asked."""

    pool: tuple[str, ...]
    first: tuple[str, ...]  # templates with {v}
    change: tuple[str, ...]  # templates with {v} and maybe {old}
    restate: tuple[str, ...]
    now: str  # question templates with {s} (the user) and {d} (a day)
    then: str


ATTRIBUTES: dict[str, Attribute] = {
    "city": Attribute(
        CITIES, ("I live in {v}.", "My home is in {v}."),
        ("I moved to {v} last month.", "I left {old} and moved to {v}.", "We relocated to {v}."),
        ("I still live in {v}.",), "Where does {s} live now?", "Where did {s} live on {d}?"),
    "job": Attribute(
        JOBS, ("I work as a {v}.", "My job is {v}."),
        ("I started a new job as a {v}.", "I stopped being a {old}; I'm a {v} now."),
        ("I'm still working as a {v}.",), "What is {s}'s job now?", "What was {s}'s job on {d}?"),
    "partner": Attribute(
        FIRST_NAMES, ("My partner is {v}.", "I'm in a relationship with {v}."),
        ("I split up with {old} and I'm now dating {v}.", "My new partner is {v}."),
        ("{v} and I are still together.",), "Who is {s}'s partner now?", "Who was {s}'s partner on {d}?"),
    "food": Attribute(
        FOODS, ("My favourite food is {v}.", "Nothing beats {v} for me."),
        ("These days my favourite food is {v}.", "I've gone off {old}; {v} is my favourite now."),
        ("I still love {v} most.",), "What is {s}'s favourite food now?", "What was {s}'s favourite food on {d}?"),
    "instrument": Attribute(
        INSTRUMENTS, ("I play the {v}.", "I practise the {v} every evening."),
        ("I gave up the {old} and took up the {v}.", "I've switched to playing the {v}."),
        ("I still play the {v}.",), "Which instrument does {s} play now?", "Which instrument did {s} play on {d}?"),
    "pet": Attribute(
        PETS, ("I have a pet called {v}.", "My pet's name is {v}."),
        ("We adopted a new pet called {v}.", "After {old} went to my sister's, I got a pet called {v}."),
        ("{v} is still my pet.",), "What is the name of {s}'s pet now?", "What was the name of {s}'s pet on {d}?"),
}  # fmt: skip

FILLERS = (
    "I watched a documentary about volcanoes.", "It rained all weekend here.", "I'm reading a long novel about "
    "sailors.", "My back has been sore after the gym.", "I finally fixed the leaking tap.", "Work was busy this week.",
    "I went for a long walk by the river.", "I tried a new board game with friends.",
    "My cousin went on holiday to {city}.", "A friend of mine just became a {job}.", "I had {food} at a party.",
)  # fmt: skip
START = date(2023, 1, 9)


@dataclass(frozen=True)
class Statement:
    """One line the user says: a fact stated, changed or restated (attribute set), or a filler."""

    event_id: str
    session: int
    day: date
    text: str
    attribute: str | None = None
    value: str | None = None


@dataclass(frozen=True)
class History:
    """Every value a fact took, in order: (value, day stated, event id)."""

    attribute: str
    values: tuple[tuple[str, date, str], ...]
    restated: tuple[tuple[str, str], ...] = ()  # (value, event id) of restatements

    @property
    def current(self) -> str:
        return self.values[-1][0]

    def evidence(self, index: int) -> tuple[str, ...]:
        """The events that establish value `index`: its statement and its restatements while it held."""
        value, _, event_id = self.values[index]  # a fact's values are distinct, so restatements match by value
        return (event_id, *(e for v, e in self.restated if v == value))


@dataclass(frozen=True)
class User:
    name: str
    statements: tuple[Statement, ...]
    facts: dict[str, History]
    unstated: tuple[str, ...]  # attributes never mentioned
    session_days: tuple[date, ...]


def make_users(users: int, facts_per_user: int, changes_per_fact: int, sessions: int, seed: int,
               restate_prob: float = 0.2, fillers_per_session: int = 2) -> list[User]:
    """`users` timelines; each user is seeded by (seed, index), so adding users keeps the first ones."""
    check(users, facts_per_user, changes_per_fact, sessions)
    names = random.Random(seed).sample(FIRST_NAMES, users)
    return [_user(random.Random(f"{seed}:{i}"), name, facts_per_user, changes_per_fact, sessions, restate_prob,
                  fillers_per_session) for i, name in enumerate(names)]


def check(users: int, facts_per_user: int, changes_per_fact: int, sessions: int) -> None:
    if not 1 <= users <= len(FIRST_NAMES):
        raise ValueError(f"dataset.users={users} must be in 1..{len(FIRST_NAMES)}")
    if not 1 <= facts_per_user <= len(ATTRIBUTES):
        raise ValueError(f"dataset.facts_per_user={facts_per_user} must be in 1..{len(ATTRIBUTES)}")
    if not 0 <= changes_per_fact < sessions:
        raise ValueError(f"dataset.changes_per_fact={changes_per_fact} must be in 0..sessions-1 ({sessions - 1})")


def _user(rng: random.Random, name: str, n_facts: int, n_changes: int, n_sessions: int, restate_prob: float,
          n_fillers: int) -> User:
    days = _session_days(rng, n_sessions)
    attributes = rng.sample(sorted(ATTRIBUTES), n_facts)
    plans = {a: _values(rng, a, n_changes + 1, exclude=name) for a in attributes}
    change_sessions = {a: sorted(rng.sample(range(2, n_sessions + 1), n_changes)) for a in attributes}
    lines: list[Statement] = []
    history = {a: [] for a in attributes}
    restated = {a: [] for a in attributes}
    for session in range(1, n_sessions + 1):
        said = []
        for a in attributes:
            step = 0 if session == 1 else (change_sessions[a].index(session) + 1 if session in change_sessions[a]
                                           else None)
            if step is not None:
                said.append((a, plans[a][step], "first" if step == 0 else "change", plans[a][step - 1]))
            elif history[a] and rng.random() < restate_prob:
                said.append((a, history[a][-1][0], "restate", None))
        said += [(None, None, "filler", None)] * n_fillers
        rng.shuffle(said)
        for turn, (a, value, how, old) in enumerate(said, start=1):
            event_id, text = f"D{session}:{turn}", _text(rng, a, value, how, old, plans)
            lines.append(Statement(event_id, session, days[session - 1], text, a, value))
            if how in ("first", "change"):
                history[a].append((value, days[session - 1], event_id))
            elif how == "restate":
                restated[a].append((value, event_id))
    facts = {a: History(a, tuple(history[a]), tuple(restated[a])) for a in attributes}
    unstated = tuple(a for a in sorted(ATTRIBUTES) if a not in attributes)
    return User(name, tuple(lines), facts, unstated, days)


def _session_days(rng: random.Random, n: int) -> tuple[date, ...]:
    days, day = [], START + timedelta(days=rng.randrange(0, 20))
    for _ in range(n):
        days.append(day)
        day += timedelta(days=rng.randrange(35, 75))
    return tuple(days)


def _values(rng: random.Random, attribute: str, n: int, exclude: str) -> list[str]:
    pool = [v for v in ATTRIBUTES[attribute].pool if v != exclude]
    return rng.sample(pool, n)


def _text(rng: random.Random, attribute: str | None, value: str | None, how: str, old: str | None,
          plans: dict[str, list[str]]) -> str:
    if attribute is None:
        return _filler(rng, plans)
    spec = ATTRIBUTES[attribute]
    templates = {"first": spec.first, "change": spec.change, "restate": spec.restate}[how]
    return rng.choice(templates).format(v=value, old=old)


def _filler(rng: random.Random, plans: dict[str, list[str]]) -> str:
    """Small talk; a filler naming a city, job or food uses one the user never had (a hard negative)."""
    def other(attribute: str) -> str:
        return rng.choice([v for v in ATTRIBUTES[attribute].pool if v not in plans.get(attribute, ())])

    return rng.choice(FILLERS).format(city=other("city"), job=other("job"), food=other("food"))


def spoken(day: date, minutes: int) -> str:
    """A LoCoMo-style time stamp, `minutes` after midnight of `day`: "4:05 pm on 8 May, 2023"."""
    hour, minute = divmod(minutes % (24 * 60), 60)
    return f"{(hour - 1) % 12 + 1}:{minute:02d} {'am' if hour < 12 else 'pm'} on {written(day)}"


def written(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]}, {day.year}"

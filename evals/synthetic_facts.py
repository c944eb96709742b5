"""A deterministic synthetic fact set: people with places, preferences and dates.

Each fact has a statement (what is stored as memory), the question phrasing
used in training, a paraphrased question never seen in training, and the gold
answer. The same seed always gives the same facts, in the same order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

FIRST_NAMES = (
    "Alice", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas",
    "Kavya", "Lars", "Mina", "Nikolai", "Olga", "Pablo", "Quinn", "Rosa", "Sven", "Tamsin",
    "Umar", "Vera", "Wendell", "Ximena", "Yusuf", "Zofia",
)  # fmt: skip
LAST_NAMES = (
    "Abernathy", "Brennick", "Castellano", "Dunmore", "Eskildsen", "Fairweather", "Gallowglass",
    "Halvorsen", "Ivanko", "Jessop", "Kettering", "Lindqvist", "Marchetti", "Nordhagen", "Okonkwo",
    "Pemberton", "Quintero", "Rasmussen", "Sokolova", "Thackeray",
)  # fmt: skip
CITIES = (
    "Tromso", "Valparaiso", "Ghent", "Trieste", "Kraków", "Hobart", "Oaxaca", "Tbilisi", "Bergen",
    "Cusco", "Lyon", "Porto", "Split", "Tartu", "Zanzibar", "Kyoto", "Galway", "Ljubljana",
)  # fmt: skip
FOODS = (
    "mushroom risotto", "lamb tagine", "pierogi", "green curry", "ceviche", "goulash", "falafel",
    "bibimbap", "paella", "borscht", "pad thai", "moussaka",
)  # fmt: skip
PETS = ("Biscuit", "Pepper", "Noodle", "Juniper", "Waffles", "Pickle", "Mango", "Ziggy", "Clover", "Taco")
PET_KINDS = ("dog", "cat", "parrot", "rabbit", "tortoise")
JOBS = (
    "beekeeper", "glassblower", "cartographer", "locksmith", "violin maker", "lighthouse keeper",
    "tax auditor", "puppeteer", "marine biologist", "stonemason",
)  # fmt: skip
INSTRUMENTS = ("cello", "banjo", "harp", "accordion", "oboe", "ukulele", "trombone", "sitar")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class Fact:
    id: str
    subject: str
    relation: str
    statement: str
    question: str
    paraphrase: str
    answer: str


# relation -> (value picker, statement, trained question, paraphrased question)
_TEMPLATES = {
    "city": (
        lambda r: r.choice(CITIES),
        "{s} lives in {v}.",
        "Where does {s} live?",
        "In which city is {s}'s home?",
    ),
    "food": (
        lambda r: r.choice(FOODS),
        "{s}'s favourite food is {v}.",
        "What is {s}'s favourite food?",
        "Which dish does {s} like to eat most?",
    ),
    "pet": (
        lambda r: f"{r.choice(PETS)} the {r.choice(PET_KINDS)}",
        "{s} has a pet called {v}.",
        "What is the name of {s}'s pet?",
        "Which animal lives with {s}, and what is it called?",
    ),
    "job": (
        lambda r: r.choice(JOBS),
        "{s} works as a {v}.",
        "What is {s}'s job?",
        "What does {s} do for a living?",
    ),
    "birthday": (
        lambda r: f"{r.randint(1, 28)} {r.choice(MONTHS)}",
        "{s}'s birthday is on {v}.",
        "When is {s}'s birthday?",
        "On what date was {s} born?",
    ),
    "instrument": (
        lambda r: r.choice(INSTRUMENTS),
        "{s} plays the {v}.",
        "Which instrument does {s} play?",
        "What musical instrument can {s} play?",
    ),
}
RELATIONS = tuple(_TEMPLATES)


def generate_facts(n: int, seed: int = 0, relations_per_person: int = 4) -> list[Fact]:
    """`n` facts about distinct fictional people, `relations_per_person` each (the last person may have fewer)."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if not 1 <= relations_per_person <= len(RELATIONS):
        raise ValueError(f"relations_per_person must be in 1..{len(RELATIONS)}, got {relations_per_person}")
    rng = random.Random(seed)
    people = _people(rng, -(-n // relations_per_person))
    facts: list[Fact] = []
    for person in people:
        for relation in rng.sample(RELATIONS, relations_per_person):
            facts.append(_fact(rng, len(facts), person, relation))
    return facts[:n]


def _people(rng: random.Random, count: int) -> list[str]:
    names = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    if count > len(names):
        raise ValueError(f"at most {len(names)} distinct people, asked for {count}")
    return rng.sample(names, count)


def _fact(rng: random.Random, index: int, subject: str, relation: str) -> Fact:
    pick, statement, question, paraphrase = _TEMPLATES[relation]
    value = pick(rng)
    return Fact(
        id=f"f{index:04d}",
        subject=subject,
        relation=relation,
        statement=statement.format(s=subject, v=value),
        question=question.format(s=subject),
        paraphrase=paraphrase.format(s=subject),
        answer=value,
    )

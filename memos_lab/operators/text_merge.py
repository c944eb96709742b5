"""text_merge: fuse a namespace's plaintext memories: merge duplicates, supersede stale statements.

Statements are taken in time order (the line's date, then creation). Each
newer statement is paired with the most similar older live statement of the
same speaker (MiniLM cosine over the words, date and speaker left out):

- duplicate: the same words (case, spacing, punctuation aside) or a cosine at
  or above `duplicate_threshold`. The older cube moves to `merged`.
- supersede: the configured conflict detector (conflicts.py: `embedding`, a
  cosine threshold plus the value-differs rule; or `llm`, the chat model's
  yes/no) says the newer one gives another value for the same attribute.
  The older cube moves to `archived`.

Nothing is deleted. The newer cube (the survivor) is written as a new
version whose provenance lists both cubes (`derived_from`), the operator
(`fuse.text_merge`) and, for a duplicate, the refs of both; its meta
`fusion` records the rule, the other cube, the similarity and the detector.
The older cube gets a new version recording `superseded_by` or
`merged_into`, then its lifecycle transition; both versions stay in its
history (`memos-lab cube history ID`). Merged and archived cubes are not
served: the facade's search leaves them out (memos_lab.lifecycle.SERVED),
except that a superseded cube records when it held (`valid_from`,
`valid_until`; its successor `valid_from`), so a question naming a day in
that interval is served it (memos_lab/history.py).
Frozen cubes are never fused (their content cannot change). Running the
operator again changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any

from memos_lab.cube import Kind, Lifecycle, MemCube, Provenance
from memos_lab.history import validity
from memos_lab.operators.conflicts import ConflictDetector, EmbeddingConflicts, LLMConflicts, Statement
from memos_lab.tiers.plaintext.dates import parse_date
from memos_lab.tiers.plaintext.lines import parts

OPERATOR = "fuse.text_merge"
FUSABLE = (Lifecycle.GENERATED, Lifecycle.ACTIVATED)
_NUMBER = re.compile(r"\d+")
_NOT_WORD = re.compile(r"[^\w]+")


class Detector(str, Enum):
    embedding = "embedding"
    llm = "llm"


@dataclass
class TextMergeConfig:
    _target_: str = "memos_lab.operators.text_merge.TextMerge"
    _partial_: bool = True  # the run passes its embedder and chat model
    detector: Detector = Detector.embedding  # embedding: cosine + value-differs rule; llm: the chat model decides
    conflict_threshold: float = 0.45  # embedding: cosine a same-speaker pair needs to be one attribute
    duplicate_threshold: float = 0.95  # cosine at which two statements are the same statement
    llm_threshold: float = 0.3  # llm: cosine a pair needs before the model is asked (a prefilter)
    llm_max_new_tokens: int = 4
    fact_max_words: int | None = 16  # supersession only between single-fact statements this short (null: any)

    def __post_init__(self) -> None:
        for key in ("conflict_threshold", "duplicate_threshold", "llm_threshold"):
            if not -1.0 <= getattr(self, key) <= 1.0:
                raise ValueError(f"fusion.text_merge.{key}={getattr(self, key)} must be a cosine similarity in [-1, 1]")
        if self.llm_max_new_tokens < 1:
            raise ValueError(f"fusion.text_merge.llm_max_new_tokens={self.llm_max_new_tokens} must be >= 1")
        if self.fact_max_words is not None and self.fact_max_words < 1:
            raise ValueError(f"fusion.text_merge.fact_max_words={self.fact_max_words} must be >= 1 (or null: no limit)")


@dataclass(frozen=True)
class Decision:
    older: str  # cube ids
    newer: str
    rule: str  # "duplicate" | "supersede"
    similarity: float
    detector: str  # what decided: "same_words", "embedding" (cosine), or the conflict detector's name


@dataclass
class FusionReport:
    namespace: str
    decisions: list[Decision] = field(default_factory=list)
    detector: str = ""

    def count(self, rule: str) -> int:
        return sum(d.rule == rule for d in self.decisions)

    def summary(self) -> dict[str, Any]:
        return {"duplicates": self.count("duplicate"), "superseded": self.count("supersede"),
                "detector": self.detector}


class TextMerge:
    name = OPERATOR

    def __init__(self, embedder, model=None, detector: Detector | str = Detector.embedding,
                 conflict_threshold: float = 0.45, duplicate_threshold: float = 0.95, llm_threshold: float = 0.3,
                 llm_max_new_tokens: int = 4, fact_max_words: int | None = 16) -> None:
        self.embedder, self.duplicate_threshold = embedder, duplicate_threshold
        self.fact_max_words = fact_max_words
        self.detector: ConflictDetector = (
            LLMConflicts(model, llm_threshold, llm_max_new_tokens) if Detector(detector) is Detector.llm
            else EmbeddingConflicts(conflict_threshold))

    def apply(self, store, namespace: str, actor: str) -> FusionReport:
        """Fuse the namespace's live plaintext cubes that `actor` may write; the decisions taken."""
        headers = store.list(actor, namespace=namespace, kind=Kind.PLAINTEXT)
        cubes = [store.get(h.id, actor, touch=False) for h in headers if h.state in FUSABLE]
        report = FusionReport(namespace, self.plan(cubes), self.detector.name)
        for decision in report.decisions:
            self._write(store, actor, decision)
        return report

    def plan(self, cubes: Sequence[MemCube]) -> list[Decision]:
        """Which older cube each newer one merges (duplicate) or supersedes, in time order; writes nothing."""
        ordered = sorted(cubes, key=_when)
        statements = [_statement(c) for c in ordered]
        vectors = self.embedder.encode([s.words for s in statements])
        similarity = vectors @ vectors.T
        live: list[int] = []
        decisions = []
        for j, newer in enumerate(statements):
            peers = [i for i in live if statements[i].speaker == newer.speaker]
            if peers:
                i = max(peers, key=lambda i: similarity[i, j])
                decision = self._decide(statements[i], newer, float(similarity[i, j]))
                if decision is not None:
                    decisions.append(decision)
                    live.remove(i)
            live.append(j)
        return decisions

    def _decide(self, older: Statement, newer: Statement, similarity: float) -> Decision | None:
        if _same_words(older.words, newer.words):
            return Decision(older.cube_id, newer.cube_id, "duplicate", similarity, "same_words")
        if similarity >= self.duplicate_threshold:
            return Decision(older.cube_id, newer.cube_id, "duplicate", similarity, "embedding")
        if self._one_fact(older) and self._one_fact(newer) and self.detector.conflicts(older, newer, similarity):
            return Decision(older.cube_id, newer.cube_id, "supersede", similarity, self.detector.name)
        return None

    def summary(self, store, owners: Iterable[tuple[str, str]]) -> dict[str, Any]:
        """What this operator did over the (namespace, actor) pairs given, read from the store."""
        return fusion_counts(store, owners) | {"detector": self.detector.name}

    def _one_fact(self, statement: Statement) -> bool:
        """A statement that can be superseded as a whole: short and not a question. A long conversational
        turn holds several facts; archiving it for one changed value would hide the rest."""
        if self.fact_max_words is None:
            return True
        return len(statement.words.split()) <= self.fact_max_words and "?" not in statement.words

    def _write(self, store, actor: str, decision: Decision) -> None:
        older = store.get(decision.older, actor, touch=False)
        newer = store.get(decision.newer, actor, touch=False)
        duplicate = decision.rule == "duplicate"
        record = {"rule": decision.rule, "with": older.id, "similarity": round(decision.similarity, 4),
                  "detector": decision.detector}
        # when each held (memos_lab/history.py): the successor from its date, the superseded until then
        since, until = _day(older), _day(newer)
        newer_held, older_held = ({}, {}) if duplicate else (validity(until), validity(since, until))
        store.update(newer.replace_header(provenance=_survivor_provenance(older, newer, duplicate),
                                          meta={**newer.header.meta, **newer_held,
                                                "fusion": [*newer.header.meta.get("fusion", []), record]}), actor)
        link = "merged_into" if duplicate else "superseded_by"
        store.update(older.replace_header(meta={**older.header.meta, **older_held, link: newer.id,
                                                "fused_by": OPERATOR}), actor)
        store.transition(older.id, actor, Lifecycle.MERGED if duplicate else Lifecycle.ARCHIVED)


def fusion_counts(store, owners: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Cubes merged as duplicates and superseded, over the (namespace, actor) pairs given."""
    counts = {"merged": 0, "superseded": 0}
    for namespace, actor in owners:
        for header in store.list(actor, namespace=namespace, kind=Kind.PLAINTEXT):
            counts["merged"] += "merged_into" in header.meta
            counts["superseded"] += "superseded_by" in header.meta
    return counts


def _survivor_provenance(older: MemCube, newer: MemCube, duplicate: bool) -> Provenance:
    """Both cubes as sources; a duplicate's refs are both cubes' (each states the value), a supersession's
    only the newer's (the older states a value that no longer holds)."""
    mine = newer.header.provenance
    refs = (*mine.refs, *older.header.provenance.refs) if duplicate else mine.refs
    return Provenance(source=mine.source, refs=tuple(dict.fromkeys(refs)),
                      derived_from=tuple(dict.fromkeys((*mine.derived_from, older.id, newer.id))), operator=OPERATOR)


def _statement(cube: MemCube) -> Statement:
    line = parts(cube)
    return Statement(cube.id, line.words, line.speaker, line.date)


def _when(cube: MemCube) -> tuple[date, float, tuple[int, ...], str]:
    """Time order: the line's date, then when the cube was made, then the numbers in its first ref."""
    refs = cube.header.provenance.refs
    numbers = tuple(int(n) for n in _NUMBER.findall(refs[0])) if refs else ()
    return _day(cube) or date.min, cube.header.created_at, numbers, cube.id


def _day(cube: MemCube) -> date | None:
    return parse_date(parts(cube).date)


def _same_words(a: str, b: str) -> bool:
    return _NOT_WORD.sub(" ", a.casefold()).strip() == _NOT_WORD.sub(" ", b.casefold()).strip()

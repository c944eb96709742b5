"""The MemOS facade: remember text, search it, answer through a tier.

It wires the store (persistence), the retriever (plaintext index), one
answering tier (plaintext, activation or parameter) and, optionally, the
memory scheduler that decides what the tier holds. It knows no benchmark.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from memos_lab import history
from memos_lab.cube import Kind, MemCube, Provenance, plaintext_cube
from memos_lab.lifecycle import SERVED
from memos_lab.tiers.base import AnswerTier, Response
from memos_lab.tiers.plaintext.retriever import Hit, Mode, Retriever


@dataclass(frozen=True)
class MemoryItem:
    """One piece of text to remember, with where it came from."""

    text: str
    provenance: Provenance = Provenance()
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    text: str
    retrieved: list[MemCube]
    hits: list[Hit]
    response: Response
    search_s: float
    searched: bool = False  # retrieval ran (an empty result is then a miss, not "no retrieval")
    scheduling: dict[str, Any] = field(default_factory=dict)  # the scheduler's accounting of this query


class MemOS:
    def __init__(
        self,
        store,
        retriever: Retriever,
        tier: AnswerTier,
        top_k: int = 10,
        mode: Mode = "hybrid",
        count_tokens: Callable[[str], int] | None = None,
        scheduler: Callable[..., Any] | None = None,
        fusion: Any = None,
        dated_history: bool = True,
    ) -> None:
        """`scheduler`: a factory `scheduler(tier=...)` (e.g. a partial MemScheduler), or None.
        `fusion`: an operator with `apply(store, namespace, actor)` (e.g. TextMerge), or None.
        `dated_history`: a question naming a day is searched over the memories as they stood that day
        (superseded versions that held then; memos_lab/history.py)."""
        self.store = store
        self.retriever = retriever
        self.tier = tier
        self.top_k = top_k
        self.mode = mode
        self.count_tokens = count_tokens
        self.scheduler = None if scheduler is None else scheduler(tier=tier)
        self.fusion = fusion
        self.dated_history = dated_history

    def remember(self, items: Sequence[MemoryItem], namespace: str, actor: str) -> list[MemCube]:
        """Store each item as a plaintext cube owned by `actor` and index it."""
        cubes = [self._cube(item, namespace, actor) for item in items]
        headers = self.store.put_many(cubes, actor)
        stored = [MemCube(header, cube.payload) for header, cube in zip(headers, cubes, strict=True)]
        self.retriever.add(stored)
        return stored

    def commit(self, namespace: str, actor: str) -> None:
        """Let the tier build its payloads (KV caches, adapters) from the namespace's memories.

        A scheduler that manages KV residency hands the tier its memories itself, so nothing is built
        here; one that manages adapter slots first makes room for this namespace's adapter."""
        if self.scheduler is not None and self.scheduler.manages_kv:
            if self.scheduler.manages_adapters:  # tier=all: KV residency is the scheduler's, the adapter is not
                self.scheduler.before_use(namespace)
                self.tier.prepare_adapter(namespace, actor, self._plaintext_cubes(namespace, actor))
            return
        if self.scheduler is not None:
            self.scheduler.before_use(namespace)
        self.tier.prepare(namespace, actor, self._plaintext_cubes(namespace, actor))

    def fuse(self, namespace: str, actor: str) -> Any:
        """Apply the fusion operator to the namespace (merge duplicates, supersede stale statements); its
        report, or None without one. Merged and archived cubes stay in the store but are no longer served."""
        return None if self.fusion is None else self.fusion.apply(self.store, namespace, actor)

    def reindex(self, namespace: str, actor: str) -> None:
        """Rebuild the retrieval index of a namespace from the store (after a restart)."""
        if self.retriever.size(namespace) == 0:
            self.retriever.add(self._plaintext_cubes(namespace, actor))

    def _plaintext_cubes(self, namespace: str, actor: str) -> list[MemCube]:
        headers = self.store.list(actor, namespace=namespace, kind=Kind.PLAINTEXT)
        return [self.store.get(h.id, actor, touch=False) for h in headers if h.state in SERVED]

    def search(self, query: str, namespace: str, actor: str, k: int | None = None,
               as_of: date | None = None) -> tuple[list[Hit], list[MemCube]]:
        """The namespace's memories `actor` may read that best match `query`; an actor who may read none of
        the namespace is refused (AccessDeniedError), never answered from an empty search. `as_of`: search
        the memories as they stood that day (memos_lab/history.py) instead of the live ones."""
        allowed = self._searchable(namespace, actor, as_of)
        if not allowed:
            self.store.require_namespace_read(actor, namespace)
        hits = self.retriever.search(query, namespace, k or self.top_k, self.mode, allowed=allowed)
        return hits, [self.store.get(hit.cube_id, actor, touch=True) for hit in hits]

    def _searchable(self, namespace: str, actor: str, as_of: date | None) -> set[str]:
        if as_of is None:
            return self.store.readable_ids(actor, namespace, states=SERVED)  # merged/archived are not served
        return history.served_on(self.store.list(actor, namespace=namespace, kind=Kind.PLAINTEXT), as_of)

    def answer(self, question: str, namespace: str, actor: str, query: str | None = None) -> Answer:
        """Answer `question` from the namespace's memory; `query` is what is searched (default: the question).
        With `dated_history`, a query that names a day is searched as of that day."""
        start = time.perf_counter()
        searching = self.top_k > 0 and self.tier.use_retrieval
        query = query or question
        as_of = history.day_named(query) if self.dated_history else None
        hits, cubes = self.search(query, namespace, actor, as_of=as_of) if searching else ([], [])
        search_s = time.perf_counter() - start
        adapters = self.scheduler.before_use(namespace) if self.scheduler else {}
        response = self.tier.respond(namespace, actor, question, cubes)
        scheduling = adapters | self.scheduler.after_answer(
            namespace, actor, cubes, answer_s=response.total_s, ttft_s=response.ttft_s) if self.scheduler else {}
        return Answer(response.text, cubes, hits, response, search_s, searching, scheduling)

    def plan(self, questions: Sequence[str], namespace: str, actor: str) -> None:
        """Tell a clairvoyant scheduling policy (the oracle) what these questions will retrieve, in order."""
        if self.scheduler is not None and self.scheduler.needs_future and self.tier.use_retrieval:
            keys = [cube.id for q in questions for cube in self.search(q, namespace, actor)[1]]
            self.scheduler.plan(keys)

    def bytes_stored(self, owners: Iterable[tuple[str, str]]) -> dict[str, int]:
        """Bytes per tier over the (namespace, actor) pairs given: every conversation a run holds."""
        owners = list(owners)
        plaintext = sum(h.size_bytes for ns, actor in owners
                        for h in self.store.list(actor, namespace=ns, kind=Kind.PLAINTEXT))
        stored = {"plaintext": plaintext}
        if hasattr(self.tier, "bytes_by_kind"):  # tier=all: several kinds of payload
            stored |= self.tier.bytes_by_kind()
        elif self.tier.kind is not Kind.PLAINTEXT:
            stored[self.tier.kind.value] = self.tier.bytes_stored()
        return stored

    def _cube(self, item: MemoryItem, namespace: str, actor: str) -> MemCube:
        tokens = self.count_tokens(item.text) if self.count_tokens else 0
        return plaintext_cube(
            item.text, namespace=namespace, owner=actor, provenance=item.provenance, meta=item.meta, size_tokens=tokens
        )

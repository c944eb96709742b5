"""Per-namespace dense + lexical indexes with dense, lexical and hybrid search.

Each namespace has its own indexes, so one owner's memories can never rank in
another's results; `allowed` further restricts hits to the cubes an actor may
read.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from memos_lab.cube import MemCube
from memos_lab.models.embedder import Embedder
from memos_lab.tiers.plaintext.dense import DenseIndex
from memos_lab.tiers.plaintext.fusion import reciprocal_rank_fusion
from memos_lab.tiers.plaintext.lexical import LexicalIndex

Mode = Literal["dense", "lexical", "hybrid"]
MODES = ("dense", "lexical", "hybrid")


@dataclass(frozen=True)
class Hit:
    cube_id: str
    score: float


class Retriever:
    def __init__(self, embedder: Embedder, rrf_k: int = 60, candidates: int = 50) -> None:
        self.embedder = embedder
        self.rrf_k = rrf_k
        self.candidates = candidates
        self._dense: dict[str, DenseIndex] = {}
        self._lexical: dict[str, LexicalIndex] = {}

    def add(self, cubes: Sequence[MemCube]) -> None:
        by_namespace: dict[str, list[MemCube]] = {}
        for cube in cubes:
            by_namespace.setdefault(cube.header.namespace, []).append(cube)
        for namespace, group in by_namespace.items():
            ids, texts = [c.id for c in group], [c.text for c in group]
            self._dense.setdefault(namespace, DenseIndex(self.embedder)).add(ids, texts)
            self._lexical.setdefault(namespace, LexicalIndex()).add(ids, texts)

    def search(
        self, query: str, namespace: str, k: int, mode: Mode = "hybrid", allowed: Collection[str] | None = None
    ) -> list[Hit]:
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}; choose one of {MODES}")
        if namespace not in self._dense:
            return []
        depth = max(k, self.candidates) if allowed is not None or mode == "hybrid" else k
        ranked = self._ranked(query, namespace, depth, mode)
        hits = [Hit(cube_id, score) for cube_id, score in ranked if allowed is None or cube_id in allowed]
        return hits[:k]

    def _ranked(self, query: str, namespace: str, depth: int, mode: Mode) -> list[tuple[str, float]]:
        if mode == "dense":
            return self._dense[namespace].search(query, depth)
        if mode == "lexical":
            return self._lexical[namespace].search(query, depth)
        dense = [i for i, _ in self._dense[namespace].search(query, depth)]
        lexical = [i for i, _ in self._lexical[namespace].search(query, depth)]
        return reciprocal_rank_fusion([dense, lexical], k=self.rrf_k)

    def size(self, namespace: str) -> int:
        return len(self._dense.get(namespace, ()))

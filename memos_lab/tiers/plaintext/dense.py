"""Dense retrieval: normalised sentence vectors in a faiss inner-product index."""

from __future__ import annotations

from collections.abc import Sequence

from memos_lab.models.embedder import Embedder


class DenseIndex:
    def __init__(self, embedder: Embedder) -> None:
        import faiss

        self.embedder = embedder
        self.index = faiss.IndexFlatIP(embedder.dim)
        self.ids: list[str] = []

    def add(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        if len(ids) != len(texts):
            raise ValueError(f"{len(ids)} ids for {len(texts)} texts")
        self.index.add(self.embedder.encode(texts))
        self.ids.extend(ids)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        if not self.ids:
            return []
        scores, rows = self.index.search(self.embedder.encode([query]), min(k, len(self.ids)))
        return [(self.ids[r], float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    def __len__(self) -> int:
        return len(self.ids)

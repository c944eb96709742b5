"""Lexical retrieval: BM25 (bm25s) over stemmed, stop-word-free tokens."""

from __future__ import annotations

from collections.abc import Sequence


class LexicalIndex:
    """bm25s builds its matrix in one go, so adds mark the index stale and the
    next search rebuilds it."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.texts: list[str] = []
        self._bm25 = None

    def add(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        if len(ids) != len(texts):
            raise ValueError(f"{len(ids)} ids for {len(texts)} texts")
        self.ids.extend(ids)
        self.texts.extend(texts)
        self._bm25 = None

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        import bm25s

        if not self.ids:
            return []
        bm25 = self._index()
        tokens = bm25s.tokenize([query], stopwords="en", show_progress=False, return_ids=False)
        if not tokens[0]:
            return []
        rows, scores = bm25.retrieve(tokens, k=min(k, len(self.ids)), show_progress=False, n_threads=1)
        return [(self.ids[r], float(s)) for r, s in zip(rows[0], scores[0], strict=True) if s > 0]

    def _index(self):
        import bm25s

        if self._bm25 is None:
            self._bm25 = bm25s.BM25()
            self._bm25.index(bm25s.tokenize(self.texts, stopwords="en", show_progress=False), show_progress=False)
        return self._bm25

    def __len__(self) -> int:
        return len(self.ids)

"""Lexical retrieval: Okapi BM25 over stemmed, stop-word-free tokens, updated in place.

bm25s builds its sparse matrix in one go and cannot add documents, so a
growing namespace would rebuild it on every search after an add. This index
keeps per-term posting lists instead: an add appends postings and updates the
document frequencies, and a search scores only the query terms' postings with
BM25's Lucene formula (the same as `bm25s.BM25(method="lucene")`; a test
checks the scores agree):

    score(d, q) = sum over query tokens t (repeats count) of
        idf(t) * tf / (tf + k1 * (1 - b + b * len(d) / avg_len)),
    idf(t) = log(1 + (N - df + 0.5) / (df + 0.5))
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Sequence

import numpy as np

from memos_lab.tiers.plaintext.config import Stemmer
from memos_lab.tiers.plaintext.stemming import Tokenizer


class LexicalIndex:
    def __init__(self, stemmer: Stemmer = Stemmer.snowball, k1: float = 1.5, b: float = 0.75) -> None:
        self.tokenize = Tokenizer(stemmer)
        self.k1, self.b = k1, b
        self.ids: list[str] = []
        self._terms: dict[str, int] = {}
        self._docs: list[array] = []  # per term: document rows (int32)
        self._tfs: list[array] = []  # per term: term frequencies (float32), aligned with _docs
        self._lengths = array("f")
        self._total_length = 0.0
        self._norm_cache: np.ndarray | None = None

    def add(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        if len(ids) != len(texts):
            raise ValueError(f"{len(ids)} ids for {len(texts)} texts")
        for text in texts:
            row = len(self._lengths)
            tokens = self.tokenize(text)
            for term, tf in Counter(tokens).items():
                slot = self._terms.get(term)
                if slot is None:
                    slot = self._terms[term] = len(self._docs)
                    self._docs.append(array("i"))
                    self._tfs.append(array("f"))
                self._docs[slot].append(row)
                self._tfs[slot].append(tf)
            self._lengths.append(len(tokens))
            self._total_length += len(tokens)
        self.ids.extend(ids)

    def score_array(self, query: str) -> np.ndarray | None:
        """BM25 scores of every row (float32), or None when no query term is indexed."""
        n = len(self._lengths)
        counts = Counter(self.tokenize(query))
        slots = [(self._terms[t], c) for t, c in counts.items() if t in self._terms]
        if n == 0 or not slots:
            return None
        norm = self._norm()
        total = np.zeros(n, dtype=np.float32)
        for slot, count in slots:
            rows = np.frombuffer(self._docs[slot], dtype=np.int32)
            tf = np.frombuffer(self._tfs[slot], dtype=np.float32)
            idf = math.log(1 + (n - len(rows) + 0.5) / (len(rows) + 0.5))
            total[rows] += np.float32(count * idf) * tf / (tf + norm[rows])
        return total

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        total = self.score_array(query)
        if total is None:
            return []
        rows = np.flatnonzero(total > 0)
        if len(rows) > k:
            rows = rows[np.argpartition(-total[rows], k - 1)[:k]]
        rows = rows[np.lexsort((rows, -total[rows]))]
        return [(self.ids[r], float(total[r])) for r in rows.tolist()]

    def _norm(self) -> np.ndarray:
        """k1 * (1 - b + b * len(d) / avg_len) per row, recomputed only after adds."""
        n = len(self._lengths)
        if self._norm_cache is None or len(self._norm_cache) != n:
            lengths = np.frombuffer(self._lengths, dtype=np.float32)
            self._norm_cache = self.k1 * (1 - self.b + self.b * lengths / max(self._total_length / n, 1e-9))
        return self._norm_cache

    def nbytes(self) -> int:
        """Bytes held by postings and lengths (not the id strings)."""
        postings = sum(d.itemsize * len(d) + t.itemsize * len(t) for d, t in zip(self._docs, self._tfs, strict=True))
        return postings + self._lengths.itemsize * len(self._lengths)

    def __len__(self) -> int:
        return len(self.ids)

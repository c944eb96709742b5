"""Tokens for BM25: bm25s's word pattern and English stop words, then a stemmer.

Stemming is cached per word, so a corpus pays once per distinct word.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from memos_lab.tiers.plaintext.config import Stemmer

TOKEN = re.compile(r"(?u)\b\w\w+\b")  # bm25s.tokenize's default pattern


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def stem_function(stemmer: Stemmer) -> Callable[[str], str]:
    """A cached word -> stem function for `stemmer` (identity for NONE)."""
    stemmer = Stemmer(stemmer)
    if stemmer is Stemmer.none:
        return lambda word: word
    if stemmer is Stemmer.porter:
        from nltk.stem import PorterStemmer

        stem = PorterStemmer().stem
    else:
        from nltk.stem.snowball import SnowballStemmer

        stem = SnowballStemmer("english").stem
    return lru_cache(maxsize=200_000)(stem)


class Tokenizer:
    """Lower-case words of two or more characters, stop words dropped, stemmed."""

    def __init__(self, stemmer: Stemmer = Stemmer.snowball) -> None:
        self.stemmer = Stemmer(stemmer)
        self._stem = stem_function(self.stemmer)
        self._stop = _stopwords()

    def __call__(self, text: str) -> list[str]:
        stop, stem = self._stop, self._stem
        return [stem(word) for word in TOKEN.findall(text.lower()) if word not in stop]

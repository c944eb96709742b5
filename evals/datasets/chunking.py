"""Cutting a long text into memory-sized chunks: by words, sentences or model tokens, with overlap.

`size` and `overlap` count the unit: words (LongBench measures length in
words), sentences (chunks never split a sentence), or tokens of a tokenizer
(`tokenizer`: "smollm2", a local directory or a hub id).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)|\n{2,}")


class ChunkUnit(str, Enum):
    words = "words"
    sentences = "sentences"
    tokens = "tokens"


@dataclass
class ChunkerConfig:
    unit: ChunkUnit = ChunkUnit.words
    size: int = 200  # units per chunk
    overlap: int = 20  # units shared by consecutive chunks
    tokenizer: str = "smollm2"  # for unit=tokens

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ValueError(f"dataset.chunker.size={self.size} must be >= 1")
        if not 0 <= self.overlap < self.size:
            raise ValueError(f"dataset.chunker.overlap={self.overlap} must be >= 0 and below size={self.size}")


def chunk_text(text: str, config: ChunkerConfig) -> list[str]:
    """`text` cut into chunks of `config.size` units, consecutive chunks sharing `config.overlap` units."""
    unit = ChunkUnit(config.unit)
    if unit is ChunkUnit.tokens:
        tokenizer = _tokenizer(config.tokenizer)
        ids = tokenizer.encode(text, add_special_tokens=False)
        return [tokenizer.decode(piece).strip() for piece in _windows(ids, config.size, config.overlap)]
    if unit is ChunkUnit.words:
        return [" ".join(piece) for piece in _windows(text.split(), config.size, config.overlap)]
    return _sentence_chunks(text, config.size, config.overlap)


def _windows(items: list, size: int, overlap: int) -> list[list]:
    starts = range(0, max(len(items) - overlap, 1), size - overlap)
    return [items[start:start + size] for start in starts if items[start:start + size]]


def _sentence_chunks(text: str, size: int, overlap: int) -> list[str]:
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
    return [" ".join(piece) for piece in _windows(sentences, size, overlap)]


@lru_cache(maxsize=4)
def _tokenizer(name: str):
    from transformers import AutoTokenizer

    from memos_lab.models.hf_local import resolve_model_path

    return AutoTokenizer.from_pretrained(resolve_model_path(name))

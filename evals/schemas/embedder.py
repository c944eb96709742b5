"""Schemas of the `embedder` group."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class EmbedderConfig:
    _target_: str = "memos_lab.models.embedder.Embedder"
    model: str = "all-MiniLM-L6-v2"  # any sentence-transformers id (offline: all-MiniLM-L6-v2)
    device: str = "auto"
    batch_size: int = 64

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError(f"embedder.batch_size={self.batch_size} must be >= 1")

"""Schemas of the `tier` group for the plaintext and parameter tiers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from memos_lab.tiers.parameter.distil import DistilConfig


def _positive(group_key: str, value: int) -> None:
    if value < 1:
        raise ValueError(f"{group_key}={value} must be >= 1")


@dataclass
class PlaintextTierConfig:
    _target_: str = "memos_lab.tiers.plaintext.tier.PlaintextTier"
    _partial_: bool = True
    max_new_tokens: int = 32

    def __post_init__(self) -> None:
        _positive("tier.max_new_tokens", self.max_new_tokens)


@dataclass
class ParameterTierConfig:
    _target_: str = "memos_lab.tiers.parameter.tier.ParameterTier"
    _partial_: bool = True
    use_retrieval: bool = False  # true: retrieved plaintext goes into the prompt as well
    max_new_tokens: int = 32
    progress: bool = True
    question_writer: Any = None  # null: cloze templates; a model config writes the QA pairs
    distil: DistilConfig = field(default_factory=DistilConfig)

    def __post_init__(self) -> None:
        _positive("tier.max_new_tokens", self.max_new_tokens)

"""Typed schemas of the run config, registered with Hydra's ConfigStore.

The YAML files in conf/ extend these, so a misspelt key or a wrong type fails
when Hydra composes the config, before any model loads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from evals.locomo.loader import CATEGORY_NAMES


@dataclass
class LocomoConfig:
    name: str = "locomo"
    path: Optional[str] = None  # None: env var MEMOS_LAB_LOCOMO, the cache, or ../shared/data
    sample_ids: Optional[list[str]] = None  # None: all conversations
    categories: list[int] = field(default_factory=lambda: [1, 2, 3, 4])
    max_questions: Optional[int] = None  # per conversation
    question_stride: int = 1  # every k-th question: a systematic sample keeping the category mix

    def __post_init__(self) -> None:
        unknown = set(self.categories) - set(CATEGORY_NAMES)
        if unknown:
            raise ValueError(f"dataset.categories: unknown LoCoMo categories {sorted(unknown)}")
        if self.question_stride < 1:
            raise ValueError(f"dataset.question_stride must be >= 1, got {self.question_stride}")
        if self.max_questions is not None and self.max_questions < 1:
            raise ValueError(f"dataset.max_questions must be >= 1, got {self.max_questions}")


@dataclass
class RunConfig:
    dataset: LocomoConfig = MISSING
    model: Any = MISSING
    embedder: Any = MISSING
    memory: Any = MISSING
    tier: Any = MISSING
    logger: Any = MISSING
    task_name: str = "locomo"
    tags: list[str] = field(default_factory=list)
    seed: int = 0
    torch_threads: Optional[int] = None  # None: torch's default (all cores)
    print_table: bool = True


def register_configs() -> None:
    store = ConfigStore.instance()
    store.store(name="run_schema", node=RunConfig)
    store.store(group="dataset", name="locomo_schema", node=LocomoConfig)

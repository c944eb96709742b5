"""Compose the real Hydra config in tests, the way run.py does."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from evals.config import register_configs

CONF = Path(__file__).resolve().parents[1] / "conf"
register_configs()


def compose_config(overrides: Sequence[str] = ()) -> DictConfig:
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


def group_node(group: str, option: str, overrides: Sequence[str] = ()) -> DictConfig:
    """The composed node of one group option (schema applied, interpolations resolvable)."""
    return compose_config([f"{group}={option}", *overrides])[group]

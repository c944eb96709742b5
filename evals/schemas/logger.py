"""Schemas of the `logger` group."""

from __future__ import annotations

from dataclasses import dataclass, field

WANDB_MODES = ("offline", "online", "disabled")


@dataclass
class WandbLoggerConfig:
    _target_: str = "evals.loggers.wandb_logger.WandbLogger"
    project: str = "memos_lab"
    mode: str = "offline"  # offline (default; `wandb sync` later), online, disabled
    entity: str | None = None
    tags: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.mode not in WANDB_MODES:
            raise ValueError(f"logger.mode={self.mode!r} must be one of {', '.join(WANDB_MODES)}")


@dataclass
class NoLoggerConfig:
    _target_: str = "evals.loggers.wandb_logger.NoLogger"

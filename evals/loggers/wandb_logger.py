"""Logs a run's config, metrics and per-question table to Weights & Biases.

Offline by default: runs land in the run directory and `wandb sync` uploads
them later (README: "What a run is"). W&B's own console output (banners,
run history, sync hints) is switched off with `Settings(silent=True)`; its
errors still raise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evals.loggers import quiet_library_logs
from evals.nested import flatten


class WandbLogger:
    def __init__(self, project: str = "memos_lab", mode: str = "offline", entity: str | None = None,
                 tags: Sequence[str] = ()) -> None:
        if mode not in ("offline", "online", "disabled"):
            raise ValueError(f"logger.mode must be offline, online or disabled, got {mode!r}")
        self.project, self.mode, self.entity, self.tags = project, mode, entity, list(tags)
        self._run = None

    def start(self, run_dir: Path, name: str, config: Mapping[str, Any]) -> None:
        import wandb

        quiet_library_logs()
        self._run = wandb.init(project=self.project, entity=self.entity, mode=self.mode, dir=str(run_dir),
                               name=name, config=dict(config), tags=self.tags, reinit="finish_previous",
                               settings=wandb.Settings(silent=True))  # fmt: skip

    def log_metrics(self, metrics: Mapping[str, Any]) -> None:
        self._run.summary.update(flatten(metrics, sep="/"))
        self._run.log(flatten(metrics, sep="/"))

    def log_records(self, records: Sequence[Mapping[str, Any]]) -> None:
        import wandb

        if not records:
            return
        columns = [k for k, v in records[0].items() if not isinstance(v, (list, dict))]
        self._run.log({"records": wandb.Table(columns=columns, data=[[r.get(c) for c in columns] for r in records])})

    def finish(self) -> None:
        if self._run is not None:
            self._run.finish()
            self._run = None


class NoLogger:
    def start(self, run_dir: Path, name: str, config: Mapping[str, Any]) -> None:
        quiet_library_logs()

    def log_metrics(self, metrics: Mapping[str, Any]) -> None: ...

    def log_records(self, records: Sequence[Mapping[str, Any]]) -> None: ...

    def finish(self) -> None: ...

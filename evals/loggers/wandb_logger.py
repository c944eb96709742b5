"""Logs a run to Weights & Biases: config, metrics, the per-question table, the scheduler's
per-tick series, and at the end the run's trade-off point (table and figures) and its result
files (metrics.json, config.yaml, environment.json, scheduler_ticks.jsonl) as a "results" artifact.

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
from evals.loggers.wandb_panels import log_artifact, log_ticks, log_tradeoffs
from evals.nested import flatten
from evals.scheduler_ticks import TICKS_FILE
from evals.schemas.logger import WANDB_MODES
from evals.tradeoffs import Point, point_of_run

RESULT_FILES = ("metrics.json", "config.yaml", "environment.json", TICKS_FILE)


class WandbLogger:
    def __init__(self, project: str = "memos_lab", mode: str = "offline", entity: str | None = None,
                 tags: Sequence[str] = ()) -> None:
        if mode not in WANDB_MODES:
            raise ValueError(f"logger.mode must be one of {', '.join(WANDB_MODES)}, got {mode!r}")
        self.project, self.mode, self.entity, self.tags = project, mode, entity, list(tags)
        self._run = None
        self._dir, self._name, self._config = None, "", {}
        self._point: Point | None = None  # the run's trade-off point, once its metrics are logged

    def start(self, run_dir: Path, name: str, config: Mapping[str, Any]) -> None:
        import wandb

        quiet_library_logs()
        self._dir, self._name, self._config, self._point = Path(run_dir), name, dict(config), None
        self._run = wandb.init(project=self.project, entity=self.entity, mode=self.mode, dir=str(run_dir),
                               name=name, config=dict(config), tags=self.tags, reinit="finish_previous",
                               settings=wandb.Settings(silent=True))  # fmt: skip

    def log_metrics(self, metrics: Mapping[str, Any]) -> None:
        self._point = point_of_run(self._config, dict(metrics), str(self._dir))
        self._run.summary.update(flatten(metrics, sep="/"))
        self._run.log(flatten(metrics, sep="/"))

    def log_records(self, records: Sequence[Mapping[str, Any]]) -> None:
        import wandb

        if not records:
            return
        columns = [k for k, v in records[0].items() if not isinstance(v, (list, dict))]
        self._run.log({"records": wandb.Table(columns=columns, data=[[r.get(c) for c in columns] for r in records])})

    def log_ticks(self, ticks: Sequence[Mapping[str, Any]]) -> None:
        log_ticks(self._run, ticks)

    def finish(self) -> None:
        """End the run; one whose metrics were logged first gets its trade-off point and result files."""
        if self._run is None:
            return
        if self._point is not None:
            log_tradeoffs(self._run, [self._point], title=self._name)
            log_artifact(self._run, f"results-{self._name}", [self._dir / name for name in RESULT_FILES])
        self._run.finish()
        self._run = None


class NoLogger:
    def start(self, run_dir: Path, name: str, config: Mapping[str, Any]) -> None:
        quiet_library_logs()

    def log_metrics(self, metrics: Mapping[str, Any]) -> None: ...

    def log_records(self, records: Sequence[Mapping[str, Any]]) -> None: ...

    def log_ticks(self, ticks: Sequence[Mapping[str, Any]]) -> None: ...

    def finish(self) -> None: ...

"""Hydra callback that reports a sweep's progress after each run and its failures at the end.

Configured in conf/config.yaml (`hydra.callbacks.sweep_progress`). After each
run (on the worker): 'sweep: 5/12 complete, 2 running, 1 failed'. At the end
(on the driver): the same line, `sweep_status.json` in the sweep directory
(every run's status and error), each failed run with its error, and exit
status 1 when a run failed, so a script or CI sees it.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig

from evals.sweep.status import counts, progress_line, sweep_status
from memos_lab.atomic import write_json

log = logging.getLogger(__name__)


class SweepProgress(Callback):
    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        if config.hydra.mode == RunMode.MULTIRUN:
            log.info(progress_line(sweep_status(Path(config.hydra.sweep.dir))))

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        jobs = sweep_status(sweep_dir)
        write_json(sweep_dir / "sweep_status.json", {"counts": counts(jobs), "runs": [
            asdict(j) | {"run_dir": str(j.run_dir)} for j in jobs]})  # fmt: skip
        print(progress_line(jobs), file=sys.stderr)
        failed = [j for j in jobs if j.status == "failed"]
        for job in failed:
            print(f"  failed: {job.run_dir.name}: {job.error}", file=sys.stderr)
        if failed:
            print(f"{len(failed)} run(s) failed; the same command reruns them and skips the complete ones",
                  file=sys.stderr)
            sys.exit(1)

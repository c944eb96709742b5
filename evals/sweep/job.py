"""One run inside a sweep: a finished run is skipped, an unfinished one resumes, a failure is
recorded in the run's status.json and the sweep goes on (evals/sweep/callback.py reports it at
the end). Ctrl-C and SIGTERM stop the whole sweep (the run's status says cancelled)."""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from memos_lab.atomic import write_json

log = logging.getLogger(__name__)


def finished_metrics(run_dir: Path) -> dict[str, Any] | None:
    """The metrics of a run that completed, else None."""
    status, metrics = run_dir / "status.json", run_dir / "metrics.json"
    if not (status.exists() and metrics.exists()):
        return None
    if json.loads(status.read_text(encoding="utf-8")).get("status") != "complete":
        return None
    return json.loads(metrics.read_text(encoding="utf-8"))


def sweep_job(run: Callable[[], dict[str, Any]], run_dir: Path) -> dict[str, Any] | None:
    """`run()` unless the run directory already holds a complete run; a failure returns None."""
    done = finished_metrics(run_dir)
    if done is not None:
        log.info("%s: complete, skipped", run_dir)
        return done
    try:
        return run()
    except Exception as error:
        write_json(run_dir / "status.json", {"status": "failed", "error": f"{type(error).__name__}: {error}",
                                             "traceback": traceback.format_exc()[-4000:]})  # fmt: skip
        log.error("%s failed: %s: %s", run_dir, type(error).__name__, error)
        return None


def sweep_run(cfg, run_dir: Path) -> float | None:
    """run.py's task in a multirun: threads from the launcher, a finished run skipped, a failure recorded.

    The run's recorded command is this run alone (its own overrides and run directory): on a
    Ray or SLURM worker, sys.argv is the worker's, not the sweep's."""
    from hydra.core.hydra_config import HydraConfig

    from evals.runner import run
    from evals.sweep.threads import job_threads

    hydra_cfg = HydraConfig.get()
    cfg.torch_threads = job_threads(cfg.torch_threads, hydra_cfg.launcher)
    command = " ".join(["python run.py", *hydra_cfg.overrides.task, f"hydra.run.dir={run_dir}"])
    metrics = sweep_job(lambda: run(cfg, run_dir, command=command), run_dir)
    return None if metrics is None else metrics[metrics["metric_names"][0]]  # the dataset's headline

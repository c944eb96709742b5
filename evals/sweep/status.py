"""Where a sweep stands: each run directory's status, counted (done, running, failed, ...).

A run directory is a sub-directory of the sweep with Hydra's `.hydra/`; its
`status.json` (written by the runner, evals/runner.py, and by evals/sweep/job.py
for failures before the run begins) says complete, running, cancelled or
failed. A run with no status.json yet is `started` (loading its model); a run
still `running` after its process died (SIGKILL) is resumed like a cancelled one.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

STATES = ("complete", "running", "started", "cancelled", "failed")


@dataclass(frozen=True)
class JobStatus:
    run_dir: Path
    overrides: tuple[str, ...]  # the run's own overrides: what tells it from the sweep's other runs
    status: str  # one of STATES
    error: str | None = None


def job_dirs(sweep_dir: Path) -> list[Path]:
    """Run directories of a sweep (those with Hydra's .hydra/), in order of their job number."""
    found = [p.parent for p in Path(sweep_dir).glob("*/.hydra") if p.is_dir()]
    return sorted(found, key=lambda p: (int(p.name.split("_")[0]) if p.name.split("_")[0].isdigit() else 1 << 30,
                                        p.name))  # fmt: skip


def job_status(run_dir: Path) -> JobStatus:
    overrides_file = run_dir / ".hydra" / "overrides.yaml"
    overrides = yaml.safe_load(overrides_file.read_text(encoding="utf-8")) if overrides_file.exists() else None
    overrides = tuple(overrides or ())
    status_file = run_dir / "status.json"
    if not status_file.exists():
        return JobStatus(run_dir, overrides, "started")
    status = json.loads(status_file.read_text(encoding="utf-8"))
    return JobStatus(run_dir, overrides, status["status"], status.get("error"))


def sweep_status(sweep_dir: Path) -> list[JobStatus]:
    if not Path(sweep_dir).is_dir():
        raise FileNotFoundError(f"{sweep_dir}: no such sweep directory")
    return [job_status(d) for d in job_dirs(sweep_dir)]


def counts(jobs: list[JobStatus]) -> dict[str, int]:
    seen = Counter(j.status for j in jobs)
    return {state: seen.get(state, 0) for state in STATES} | {"total": len(jobs)}


def progress_line(jobs: list[JobStatus]) -> str:
    """'sweep: 5/12 complete, 2 running, 1 failed' (states with no run left out)."""
    c = counts(jobs)
    others = ", ".join(f"{c[s]} {s}" for s in STATES[1:] if c[s])
    return f"sweep: {c['complete']}/{c['total']} complete" + (f", {others}" if others else "")

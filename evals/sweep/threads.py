"""A run's torch threads inside a sweep: the cores its launcher gives each run, so runs in parallel
do not oversubscribe the CPU (joblib: the usable cores / n_jobs; Ray: `remote.num_cpus`; SLURM:
`cpus_per_task`). Outside a parallel launcher, None: evals/threads.py's share of the idle cores."""

from __future__ import annotations

from typing import Any

from evals.threads import usable_cores


def launcher_threads(launcher: Any) -> int | None:
    """Cores per run promised by a launcher's config node, or None when it promises none."""
    if launcher is None:
        return None
    if launcher.get("n_jobs") is not None:  # joblib: n_jobs processes on this machine (-1: one per core)
        jobs = launcher.n_jobs if launcher.n_jobs > 0 else usable_cores() + 1 + launcher.n_jobs
        return max(1, usable_cores() // max(1, jobs))
    remote = (launcher.get("ray") or {}).get("remote") or {}
    cores = remote.get("num_cpus") or launcher.get("cpus_per_task")
    return int(cores) if cores else None


def job_threads(torch_threads: int | None, launcher: Any) -> int | None:
    """`torch_threads` when the user set it, else the launcher's cores per run (or None)."""
    return torch_threads if torch_threads is not None else launcher_threads(launcher)

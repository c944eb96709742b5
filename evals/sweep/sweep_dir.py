"""A sweep's directory is named by its arguments, so the same command finds the same sweep and resumes it.

`python run.py -m policy=lru,lfu seed=0,1` writes to
`<cwd>/runs/<task_name>/multirun/<12 hex digits of the arguments' sha256>`
(absolute: a Ray or SLURM worker's own working directory does not matter); the
launcher, its settings and `torch_threads` are left out of the hash (they say
how the sweep runs, not what it measures), so a sweep begun with joblib can be
finished on Ray. An explicit `hydra.sweep.dir=...` is kept as given.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

MULTIRUN_FLAGS = ("-m", "--multirun")
HOW_NOT_WHAT = ("hydra/launcher=", "hydra.launcher.", "torch_threads=", "logger=", "print_table=",
                "hydra.job_logging", "hydra.hydra_logging", "hydra.verbose")  # fmt: skip


def sweep_id(arguments: list[str]) -> str:
    """12 hex digits naming the sweep of these command-line arguments (order of the arguments ignored)."""
    what = sorted(a for a in arguments if a not in MULTIRUN_FLAGS and not a.lstrip("+~").startswith(HOW_NOT_WHAT))
    return hashlib.sha256("\n".join(what).encode("utf-8")).hexdigest()[:12]


def with_sweep_dir(argv: list[str], cwd: Path) -> list[str]:
    """`argv` plus `hydra.sweep.dir=<cwd>/runs/${task_name}/multirun/<sweep_id>` for a multirun that names none."""
    arguments = argv[1:]
    if not any(a in MULTIRUN_FLAGS for a in arguments) or any(a.startswith("hydra.sweep.dir=") for a in arguments):
        return argv
    return [*argv, f"hydra.sweep.dir={cwd.resolve()}/runs/${{task_name}}/multirun/{sweep_id(arguments)}"]

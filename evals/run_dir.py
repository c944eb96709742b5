"""What a run directory keeps beside its records: the resolved config, the
environment (git commit, dirty tree, package versions, machine) and metrics."""

from __future__ import annotations

import json
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("memos_lab", "torch", "transformers", "peft", "faiss-cpu", "bm25s", "sentence-transformers",
            "hydra-core", "wandb", "datasets", "lm-eval")


def git_state(repo: Path) -> dict[str, Any]:
    def git(*args: str) -> str:
        result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
        return result.stdout.strip() if result.returncode == 0 else ""

    commit = git("rev-parse", "HEAD")
    return {"commit": commit or None, "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def environment(repo: Path, command: str, **dataset_and_scoring: Any) -> dict[str, Any]:
    """The run's environment record; a thin alias of `evals.environment.environment_record` (see there)."""
    from evals.environment import environment_record

    return environment_record(repo, command, **dataset_and_scoring)


def _cpu_count() -> int | None:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)

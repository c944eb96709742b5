"""The environment record every result carries: what ran, where, on which code and data.

One helper for run directories (evals/run_dir.py) and every script under
scripts/. The dirty flag covers the whole working tree, untracked files
included (only what .gitignore ignores is left out): results from a tree
that differs from the recorded commit cannot be reproduced from it.
"""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("memos_lab", "torch", "transformers", "peft", "safetensors", "faiss-cpu", "faiss-gpu-cu12", "bm25s",
            "sentence-transformers", "hydra-core", "wandb", "datasets", "lm-eval", "nltk", "numpy")  # fmt: skip
DIRTY_FILES_SHOWN = 20


class FaissInstallError(RuntimeError):
    """faiss-cpu and a faiss-gpu distribution are both installed: they overwrite each other's `faiss` module."""


def environment_record(
    repo_root: str | Path,
    command: str,
    dataset_path: str | Path | None = None,
    dataset_sha256: str | None = None,
    scoring_version: int | str | None = None,
) -> dict[str, Any]:
    """Command, UTC date, machine, git commit and whole-tree dirty flag, package versions, dataset, scoring version.

    `git.dirty` is None (unknown) outside a git checkout or without git. Refuses
    (FaissInstallError) an environment with both faiss-cpu and faiss-gpu installed.
    """
    check_faiss_install()
    return {
        "command": command,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "git": git_state(repo_root),
        "packages": package_versions(),
        "dataset": {"path": None if dataset_path is None else str(dataset_path), "sha256": dataset_sha256},
        "scoring_version": scoring_version,
    }


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
    }


def git_state(repo_root: str | Path) -> dict[str, Any]:
    """HEAD's commit and whether the working tree differs from it (modified, staged or untracked files)."""
    head = _git(repo_root, "rev-parse", "HEAD")
    commit = head.strip() if head else None
    status = _git(repo_root, "status", "--porcelain", "--untracked-files=all")
    if commit is None or status is None:
        return {"commit": commit, "dirty": None, "dirty_files": []}
    changed = [line[3:] for line in status.splitlines() if line.strip()]  # "XY path"
    return {"commit": commit, "dirty": bool(changed), "dirty_files": changed[:DIRTY_FILES_SHOWN],
            "dirty_count": len(changed)}  # fmt: skip


def check_faiss_install(installed: list[str] | None = None) -> None:
    """Raise FaissInstallError when faiss-cpu and a faiss-gpu* distribution are both installed.

    Both put their files in one `faiss` package, so which one runs depends on
    install order and any reinstall can silently switch it.
    """
    names = installed if installed is not None else [d.metadata["Name"] or "" for d in metadata.distributions()]
    names = sorted({n.lower().replace("_", "-") for n in names})
    gpu = [n for n in names if n.startswith("faiss-gpu")]
    if "faiss-cpu" in names and gpu:
        raise FaissInstallError(
            f"both faiss-cpu and {', '.join(gpu)} are installed; they overwrite one another's `faiss` module. "
            f"Keep one: `pip uninstall -y faiss-cpu {' '.join(gpu)} && pip install \"{gpu[0]}>=1.8\"` for the GPU "
            "(README, GPU), or `pip uninstall -y " + " ".join(gpu) + " && pip install --force-reinstall faiss-cpu`."
        )


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _git(repo_root: str | Path, *args: str) -> str | None:
    try:
        result = subprocess.run(["git", *args], cwd=repo_root, capture_output=True, text=True)
    except OSError:
        return None
    return result.stdout if result.returncode == 0 else None


class DirtyTreeError(RuntimeError):
    """Results would be written into results/ from a tree that differs from its recorded commit."""


def dirty_marks(record: dict[str, Any], out: str | Path, repo_root: str | Path, allow_dirty: bool) -> dict[str, Any]:
    """Check a script's output against the tree it runs from, before any work is done.

    From a clean tree: {}. From a dirty tree (or one git cannot describe):
    refuses an `out` inside `<repo_root>/results/` unless `allow_dirty`, and
    otherwise returns the marks the output file must carry at its top level,
    `{"dirty": True, "warning": ...}`.
    """
    git = record["git"]
    if git.get("dirty") is False:
        return {}
    if git.get("dirty") is None:
        what = "git cannot tell whether the tree is clean"
    else:
        what = f"{git.get('dirty_count', '?')} uncommitted or untracked files, e.g. {git.get('dirty_files', [])[:3]}"
    results = (Path(repo_root).resolve() / "results").as_posix() + "/"
    if Path(out).resolve().as_posix().startswith(results) and not allow_dirty:
        raise DirtyTreeError(
            f"refusing to write {out} from a dirty tree ({what}): results/ holds numbers reproducible from a "
            "commit. Commit first, or pass --allow-dirty to write a file marked dirty."
        )
    return {"dirty": True, "warning": f"made from a dirty tree ({what}); not reproducible from commit "
                                      f"{git.get('commit')}"}  # fmt: skip

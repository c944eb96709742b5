"""Sweeps of `python run.py -m` on a tiny workload: one question of a LoCoMo conversation, no memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
TINY = ["memory=none", "dataset.question_sample=1", "logger=none", "compare_with=[]"]
ENV = {**os.environ, "WANDB_SILENT": "true", "PYTHONPATH": str(REPO)}


def run_py(cwd: Path, *arguments: str, env: dict | None = None, **popen) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "run.py"), *arguments], cwd=cwd, capture_output=True,
                          text=True, env=env or ENV, **popen)  # fmt: skip


def the_sweep_dir(cwd: Path) -> Path:
    """The one sweep directory written under cwd (named by its arguments)."""
    (found,) = list((cwd / "runs").glob("*/multirun/*"))
    return found


def read_json(path: Path):
    return json.loads(path.read_text())


def qids(run_dir: Path) -> list[str]:
    return [json.loads(line)["qid"] for line in (run_dir / "records.jsonl").read_text().splitlines()]

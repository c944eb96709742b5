"""Identical reruns: one seed for Python, numpy and torch, torch's deterministic algorithms, and a
check that two run directories hold the same records and metrics, timings aside.

    python -m evals.determinism RUN_DIR OTHER_RUN_DIR     # exit 1 and the differing fields if they differ

On the CPU a rerun of the same config, commit and data (environment.json keeps
the dataset's sha256 and the scoring version) gives byte-identical records
and metrics once timings and cube ids (fresh per run) are dropped (tests/evals/test_determinism.py). On a
GPU it need not, and `warn_only` lets such runs go on with a warning rather
than fail: cuBLAS reductions depend on CUBLAS_WORKSPACE_CONFIG (run.py sets
`:4096:8`), atomics in scatter/index_add and some attention kernels
(flash / memory-efficient SDPA backward, not used at inference) have no
deterministic version, and results differ between GPU models and driver or
library versions; faiss-gpu's search may order ties differently from faiss-cpu.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

TIMING_SUFFIXES = ("_ms", "_s")  # search_ms, ttft_ms, ingest_s, scheduler_s, train_s, ... and latency_ms blocks
# Cube ids are fresh uuid4s (memos_lab/cube.py), unique across stores so that bundles import without
# clashes; what was retrieved is compared through `retrieved_refs` (the turns' dia_ids) instead.
IDENTITY_KEYS = ("retrieved_ids",)


def make_deterministic(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # every device's generator
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.benchmark = False


def without_timings(value: Any) -> Any:
    """`value` without durations (keys ending in TIMING_SUFFIXES) and cube ids (IDENTITY_KEYS), at any depth."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items()
                if not str(k).endswith(TIMING_SUFFIXES) and k not in IDENTITY_KEYS}  # fmt: skip
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def run_differences(run_dir: Path, other: Path) -> list[str]:
    """What differs between two runs' records.jsonl and metrics.json, timings aside ([] when identical)."""
    differences = []
    for name in ("records.jsonl", "metrics.json"):
        mine, theirs = _canonical(run_dir / name), _canonical(other / name)
        if len(mine) != len(theirs):
            differences.append(f"{name}: {len(mine)} lines vs {len(theirs)}")
        differences += [f"{name} line {i + 1}: {a[:200]} != {b[:200]}"
                        for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b]  # fmt: skip
    return differences


def _canonical(path: Path) -> list[str]:
    """The file's JSON values without timings, one canonical line per value."""
    if not path.exists():
        raise FileNotFoundError(f"{path}: missing; both runs must be complete")
    text = path.read_text(encoding="utf-8")
    values = [json.loads(line) for line in text.splitlines() if line.strip()] if path.suffix == ".jsonl" else [
        json.loads(text)]  # fmt: skip
    return [json.dumps(without_timings(v), sort_keys=True) for v in values]


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m evals.determinism RUN_DIR OTHER_RUN_DIR")
    found = run_differences(Path(sys.argv[1]), Path(sys.argv[2]))
    print("\n".join(found) or "identical (timings aside)")
    sys.exit(1 if found else 0)

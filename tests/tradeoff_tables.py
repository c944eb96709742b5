"""Tiny results tables in the shapes scripts/results_table.py and scripts/scheduler_tables.py write."""

from __future__ import annotations

import json
from pathlib import Path

SYSTEM_ROWS = [  # results_table.py: the headline metric follows n (and dataset)
    {"system": "none", "dataset": "locomo", "n": 3, "f1": 0.05, "f1_1": 0.05, "bleu1": 0.04, "ttft_p50": 500.0,
     "bytes": 0},
    {"system": "memos/plaintext (hybrid, k=10)", "dataset": "locomo", "n": 3, "f1": 0.12, "f1_1": 0.12,
     "bleu1": 0.1, "ttft_p50": 2000.0, "bytes": 110_638},
]  # fmt: skip
SWEEP_ROWS = [  # scheduler_tables.py sweep
    {"policy": "lru", "budget": "256 tokens", "kv_mode": "composed", "n": 3, "f1": 0.15, "kv_bytes_max": 11_750_400,
     "ttft_p50_ms": 1790.0},
    {"policy": "oracle", "budget": "256 tokens", "kv_mode": "composed", "n": 3, "f1": 0.16,
     "kv_bytes_max": 11_796_480, "ttft_p50_ms": 1640.0},
]  # fmt: skip
MODES_ROWS = [{"kv_mode": "exact", "recompute_tokens": 0, "policy": "lru", "n": 3, "f1": 0.14, "ttft_p50_ms": 1747.0}]


def write_table(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"made_by": {"command": "python scripts/x.py"}, "rows": rows}))
    return path

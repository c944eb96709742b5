"""Trade-off points: one per system, its accuracy against what it cost (bytes stored, TTFT).

A point comes from a run directory (metrics.json + config.yaml, and one per
`baselines/<name>/` of `compare_with`) or from a row of a results table under
results/ (scripts/results_table.py, or scripts/scheduler_tables.py `sweep` and
`modes`). Accuracy is the dataset's headline metric (metrics.json's first
`metric_names`; runs older than that: f1). Bytes are the run's bytes stored
over all tiers; a scheduler table has only the KV tier's resident bytes (its
maximum), and a `modes` table no bytes at all: `bytes_source` says which, and
a point without bytes or TTFT is left off that figure.

The tier is the MemOS tier by the paper's name (plaintext, activation,
parameter), or the baseline's name (none, full_context); the policy is the
scheduler's, "none" without one.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from evals.errors import UserError
from evals.run_dir import read_run, system_label, systems_of, tier_name
from evals.summary import metric_names

NO_POLICY = "none"


class TradeoffInputError(UserError):
    """An input that holds no trade-off points: not a run directory, nor a results table of systems."""


@dataclass(frozen=True)
class Point:
    label: str  # written beside the marker
    tier: str  # the marker
    policy: str  # the colour
    metric: str  # the accuracy's name
    accuracy: float
    bytes_stored: int | None
    bytes_source: str  # bytes_stored_total, kv_resident_bytes_max, or none
    ttft_p50_ms: float | None
    n: int
    source: str  # the run directory or results file it came from

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def point_of_run(config: dict[str, Any], metrics: dict[str, Any], source: str, label: str | None = None) -> Point:
    """The point of one evaluated system: its config and metrics.json (a baseline: `label` = its name)."""
    headline = metric_names(metrics)[0]
    name = label or system_label(config)
    memos = label is None and config["memory"]["_target_"].endswith("MemOSSystem")
    tier = tier_name(config) if memos else name
    scheduling = metrics.get("scheduling")
    if scheduling:
        budget = scheduling["budget"]
        name = f"{scheduling['policy']} {budget['capacity']} {budget['unit']}"
    return Point(label=name, tier=tier, policy=scheduling["policy"] if scheduling else NO_POLICY, metric=headline,
                 accuracy=metrics[headline], bytes_stored=metrics.get("bytes_stored_total"),
                 bytes_source="bytes_stored_total", ttft_p50_ms=metrics["latency_ms"]["ttft"]["p50"],
                 n=metrics["n"], source=source)  # fmt: skip


def points_of_run_dir(run_dir: Path) -> list[Point]:
    """The run's own point, then one per baseline in baselines/<name>/ that has metrics."""
    run = read_run(run_dir)
    own = run["dir"]
    return [point_of_run(run["config"], s["metrics"], str(s["dir"]), label=None if s["dir"] == own else s["label"])
            for s in systems_of(run) if s["metrics"] is not None]


def points_of_table(path: Path) -> list[Point]:
    """The points of a results table: one per row."""
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise TradeoffInputError(f"{path}: not a results table with rows ({type(error).__name__}: {error})") from None
    return [_point_of_row(row, str(path)) for row in rows]


def _point_of_row(row: dict[str, Any], source: str) -> Point:
    if "system" in row:  # scripts/results_table.py
        return _point_of_system_row(row, source)
    if "kv_bytes_max" in row:  # scheduler_tables.py sweep
        return Point(label=f"{row['policy']} {row['budget']}", tier="activation", policy=row["policy"], metric="f1",
                     accuracy=row["f1"], bytes_stored=row["kv_bytes_max"], bytes_source="kv_resident_bytes_max",
                     ttft_p50_ms=row["ttft_p50_ms"], n=row["n"], source=source)  # fmt: skip
    if "kv_mode" in row:  # scheduler_tables.py modes
        return Point(label=f"kv {row['kv_mode']} (recompute {row['recompute_tokens']})", tier="activation",
                     policy=row["policy"], metric="f1", accuracy=row["f1"], bytes_stored=None, bytes_source="none",
                     ttft_p50_ms=row["ttft_p50_ms"], n=row["n"], source=source)  # fmt: skip
    raise TradeoffInputError(f"{source}: a row with neither system, kv_bytes_max nor kv_mode: {sorted(row)[:8]}")


def _point_of_system_row(row: dict[str, Any], source: str) -> Point:
    """A results_table row: the headline metric is the first column after `n` (and `dataset`)."""
    keys = [k for k in row if k != "dataset"]
    headline = keys[keys.index("n") + 1]
    system = row["system"]
    tier = system.split("/", 1)[1].split(" ", 1)[0] if system.startswith("memos/") else system.split(" ", 1)[0]
    return Point(label=system, tier=tier, policy=NO_POLICY, metric=headline, accuracy=row[headline],
                 bytes_stored=row["bytes"], bytes_source="bytes_stored_total", ttft_p50_ms=row["ttft_p50"],
                 n=row["n"], source=source)  # fmt: skip

"""The scheduler's per-tick series in a run directory: `scheduler_ticks.jsonl`, one JSON line per tick.

Written beside metrics.json once the questions are answered, from the
MemScheduler's `series()` (the fields: memos_lab/scheduling/series.py); a run
without a policy, or whose scheduler never ticked, writes none. Like the
`scheduling` block of metrics.json, a resumed run's file covers the ticks of
its last process: the scheduler starts afresh when a run resumes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evals.records import RecordsFile
from memos_lab.atomic import dumps_json, write_text

TICKS_FILE = "scheduler_ticks.jsonl"


def write_ticks(run_dir: Path, system: Any) -> list[dict[str, Any]]:
    """Write the system's per-tick series (when it has a scheduler that ticked) and return it."""
    series = getattr(system, "scheduling_series", None) or []
    if series:
        write_text(run_dir / TICKS_FILE, "".join(dumps_json(row, indent=None) for row in series))
    return series


def read_ticks(run_dir: Path) -> list[dict[str, Any]]:
    """The run's per-tick series; [] when it wrote none."""
    return list(RecordsFile(run_dir / TICKS_FILE))

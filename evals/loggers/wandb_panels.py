"""What memos_lab puts into a W&B run beyond config and metrics: the scheduler's per-tick
series, the trade-off points and figures, and result files as an artifact.

Shared by the run logger (evals/loggers/wandb_logger.py) and
scripts/plot_tradeoffs.py --wandb; each function takes a live `wandb` run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evals.tradeoffs import Point

TICK_AXIS = "scheduler/tick"
# Line plots of the per-tick series: (field, title).
TICK_PLOTS = (
    ("kv_resident_bytes", "resident KV bytes per tick"),
    ("kv_hit_rate_tokens", "KV hit rate (tokens) per tick"),
    ("answer_s_mean", "mean answer seconds per tick"),
    ("ttft_s_mean", "mean TTFT seconds per tick"),
)


def log_ticks(run: Any, ticks: Sequence[Mapping[str, Any]]) -> None:
    """The series as `scheduler/<field>` against `scheduler/tick`, a `scheduler_ticks` table, and line plots."""
    import wandb

    if not ticks:
        return
    run.define_metric(TICK_AXIS)
    run.define_metric("scheduler/*", step_metric=TICK_AXIS)
    for row in ticks:
        run.log({f"scheduler/{name}": value for name, value in row.items() if value is not None})
    table = _table(ticks)
    run.log({"scheduler_ticks": table})
    run.log({f"scheduler_plots/{name}": wandb.plot.line(table, "tick", name, title=title)
             for name, title in TICK_PLOTS})


def log_tradeoffs(run: Any, points: Sequence[Point], title: str) -> None:
    """The points as a `tradeoff_points` table and the trade-off figures as images."""
    import io

    import wandb
    from PIL import Image

    from evals.tradeoff_plots import figures, png_bytes

    if not points:
        return
    run.log({"tradeoff_points": _table([p.as_dict() for p in points])})
    images = {axis: Image.open(io.BytesIO(png_bytes(fig))) for axis, fig in figures(points, title).items()}
    run.log({f"tradeoff/accuracy_vs_{axis}": wandb.Image(image) for axis, image in images.items()})


def log_artifact(run: Any, name: str, files: Sequence[Path]) -> None:
    """The files that exist among `files` as one artifact of type "results"."""
    import wandb

    present = [f for f in files if f.is_file()]
    if not present:
        return
    artifact = wandb.Artifact(name=_artifact_name(name), type="results")
    for path in present:
        artifact.add_file(str(path), name=path.name)
    run.log_artifact(artifact)


def _table(rows: Sequence[Mapping[str, Any]]):
    import wandb

    columns = list(dict.fromkeys(k for row in rows for k in row))
    return wandb.Table(columns=columns, data=[[row.get(c) for c in columns] for row in rows])


def _artifact_name(name: str) -> str:
    """W&B artifact names allow letters, digits, '-', '_' and '.'."""
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name)

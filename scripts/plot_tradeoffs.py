"""Trade-off plots as PNGs: accuracy vs bytes stored and accuracy vs TTFT, one point per system.

    python scripts/plot_tradeoffs.py results/scheduler_sweep.json results/kv_modes.json --out results/tradeoffs
    python scripts/plot_tradeoffs.py runs/locomo/2026-... --out /tmp/mine --include-dirty --wandb

Inputs are run directories (or folders of them: every complete run under
them, with its baselines/<name>/ of compare_with) and results tables
(results/*.json of scripts/results_table.py and scripts/scheduler_tables.py).
Writes OUT_accuracy_vs_bytes.png, OUT_accuracy_vs_ttft.png and a sidecar
OUT.json / OUT.md listing every point with the command, machine, date and
commit. Marker = tier, colour = scheduling policy (evals/tradeoffs.py,
evals/tradeoff_plots.py). Dirty-tree and unfinished runs are skipped (listed
in the sidecar) unless --include-dirty; results/ is written only from a clean
tree (or --allow-dirty, marked). --wandb logs the figures, the points table
and the sidecar JSON (artifact) to one W&B run, offline unless
--wandb-mode=online.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from evals.environment import DirtyTreeError, dirty_marks, environment_record  # noqa: E402
from evals.errors import UserError  # noqa: E402
from evals.run_dir import read_run  # noqa: E402
from evals.schemas.logger import WANDB_MODES  # noqa: E402
from evals.tradeoffs import Point, points_of_run_dir, points_of_table  # noqa: E402
from memos_lab.atomic import write_json, write_text  # noqa: E402

COLUMNS = ("label", "tier", "policy", "metric", "accuracy", "bytes_stored", "bytes_source", "ttft_p50_ms", "n")


def collect(inputs: list[Path], include_dirty: bool) -> tuple[list[Point], list[str]]:
    """The points of every input, and the runs skipped (unfinished, dirty tree) with the reason."""
    points, skipped = [], []
    for path in inputs:
        if path.is_file():
            points += points_of_table(path)
            continue
        runs = [path] if (path / "status.json").is_file() else sorted(p.parent for p in path.rglob("status.json"))
        runs = [r for r in runs if r.parent.name != "baselines"]
        if not runs:
            raise UserError(f"{path}: neither a results table nor a folder with run directories")
        for run_dir in runs:
            reason = _skip_reason(read_run(run_dir), include_dirty)
            if reason:
                skipped.append(f"{run_dir}: {reason}")
            else:
                points += points_of_run_dir(run_dir)
    return points, skipped


def _skip_reason(run: dict[str, Any], include_dirty: bool) -> str | None:
    if run["status"] != "complete" or run["metrics"] is None:
        return f"status {run['status']}"
    if run["environment"]["git"].get("dirty") is not False and not include_dirty:
        return "dirty git tree"
    return None


def markdown(points: list[Point], pngs: list[Path], made: dict[str, Any], marks: dict[str, Any],
             skipped: list[str]) -> str:
    warning = f"**Warning: {marks['warning']}.**\n\n" if marks else ""
    lines = [f"# Trade-offs: {made['title']}", "", warning + " ".join(f"![{p.stem}]({p.name})" for p in pngs), "",
             "| " + " | ".join(COLUMNS) + " | source |", "|" + "---|" * (len(COLUMNS) + 1)]
    lines += ["| " + " | ".join(_cell(getattr(p, c)) for c in COLUMNS) + f" | `{p.source}` |" for p in points]
    lines += ["", "bytes_source: bytes_stored_total = bytes the run stored over all tiers; kv_resident_bytes_max = "
              "the most KV bytes resident at once (scheduler tables keep no total); none = not recorded (left off "
              "the bytes figure). A point with 0 bytes is drawn as a dashed level on the log axis.", "",
              f"Made by `{made['command']}` on {made['date']}, commit {made['git']['commit']}"
              f"{' (dirty tree)' if made['git'].get('dirty') else ''}, {made['machine']['cpus']} CPUs "
              f"({made['machine']['platform']})."]
    lines += ["", "Skipped:", "", *[f"- {s}" for s in skipped]] if skipped else []
    return "\n".join(lines) + "\n"


def log_to_wandb(points: list[Point], title: str, sidecar: Path, mode: str, project: str, wandb_dir: Path) -> None:
    import wandb

    from evals.loggers import quiet_library_logs
    from evals.loggers.wandb_panels import log_artifact, log_tradeoffs

    quiet_library_logs()
    wandb_dir.mkdir(parents=True, exist_ok=True)
    run = wandb.init(project=project, mode=mode, dir=str(wandb_dir), name=f"tradeoffs-{title}", job_type="plots",
                     settings=wandb.Settings(silent=True))
    try:
        log_tradeoffs(run, points, title)
        log_artifact(run, f"tradeoffs-{title}", [sidecar, sidecar.with_suffix(".md")])
    finally:
        run.finish()


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    argv = sys.argv[1:] if argv is None else list(argv)
    outputs = [Path(f"{args.out}_accuracy_vs_{axis}.png") for axis in ("bytes", "ttft")]
    sidecar = args.out.with_suffix(".json")
    existing = [str(p) for p in (*outputs, sidecar, sidecar.with_suffix(".md")) if p.exists()]
    if existing and not args.force:
        sys.exit(f"plot_tradeoffs: {', '.join(existing)} exists; pass --force to overwrite")
    made = environment_record(REPO, shlex.join(["python", "scripts/plot_tradeoffs.py", *argv]))
    try:
        marks = dirty_marks(made, sidecar, REPO, args.allow_dirty)
        points, skipped = collect(args.inputs, args.include_dirty)
    except (DirtyTreeError, UserError) as exc:
        sys.exit(f"plot_tradeoffs: {exc}")
    if not points:
        sys.exit(f"plot_tradeoffs: no points in {[str(p) for p in args.inputs]} (skipped: {skipped[:5]})")
    write_outputs(points, outputs, sidecar, made | {"title": args.title or args.out.name}, marks, skipped)
    if args.wandb:
        log_to_wandb(points, args.title or args.out.name, sidecar, args.wandb_mode, args.wandb_project,
                     args.wandb_dir)
    print("\n".join(str(p) for p in (*outputs, sidecar, sidecar.with_suffix(".md"))))


def write_outputs(points: list[Point], pngs: list[Path], sidecar: Path, made: dict[str, Any],
                  marks: dict[str, Any], skipped: list[str]) -> None:
    from evals.tradeoff_plots import figures, save_png

    sidecar.parent.mkdir(parents=True, exist_ok=True)
    for png, fig in zip(pngs, figures(points, made["title"]).values(), strict=True):
        save_png(fig, png)
    write_json(sidecar, {**marks, "made_by": made, "figures": [p.name for p in pngs],
                         "points": [p.as_dict() for p in points], "skipped": skipped})
    write_text(sidecar.with_suffix(".md"), markdown(points, pngs, made, marks, skipped))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+", type=Path, help="run directories, folders of them, results/*.json")
    parser.add_argument("--out", type=Path, required=True, help="output path without suffix (results/<name>)")
    parser.add_argument("--title", help="figure title (default: the --out name)")
    parser.add_argument("--include-dirty", action="store_true", help="also plot runs made from a dirty git tree")
    parser.add_argument("--allow-dirty", action="store_true",
                        help="write into results/ from a dirty git tree (the sidecar is marked dirty)")
    parser.add_argument("--force", action="store_true", help="overwrite existing outputs")
    parser.add_argument("--wandb", action="store_true", help="also log the figures and points to one W&B run")
    parser.add_argument("--wandb-mode", choices=WANDB_MODES, default="offline", help="offline (default) or online")
    parser.add_argument("--wandb-project", default="memos_lab")
    parser.add_argument("--wandb-dir", type=Path, default=REPO / "runs" / "plot_tradeoffs",
                        help="where the W&B run folder goes (default: runs/plot_tradeoffs, not results/)")
    return parser


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


if __name__ == "__main__":
    main()

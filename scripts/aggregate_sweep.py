"""One table of a sweep: a row per run (its overrides, status, F1, ...), failed runs with their error.

    python scripts/aggregate_sweep.py SWEEP_DIR [--out PREFIX] [--wandb offline|online]

Writes PREFIX.md, PREFIX.csv and PREFIX.json (default: SWEEP_DIR/aggregate)
and prints where the sweep stands ('sweep: 10/12 complete, 1 running, 1
failed'). `--wandb` logs every complete run to one W&B group named after the
sweep directory (offline runs land in SWEEP_DIR/wandb; `wandb sync` uploads).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from evals.sweep.status import JobStatus, counts, progress_line, sweep_status  # noqa: E402
from memos_lab.atomic import write_json, write_text  # noqa: E402

COLUMNS = ("run", "status", "n", "metric", "score", "evidence_recall@10", "answer_p50_ms", "kv_hit_rate_tokens",
           "error")  # score: the value of `metric`, the dataset's headline (LoCoMo: f1)


def row(job: JobStatus) -> dict[str, Any]:
    metrics_file = job.run_dir / "metrics.json"
    m = json.loads(metrics_file.read_text(encoding="utf-8")) if job.status == "complete" else {}
    return {
        "run": " ".join(job.overrides) or job.run_dir.name,
        "status": job.status,
        "n": m.get("n"),
        "metric": (headline := (m.get("metric_names") or ["f1"])[0]) if m else None,
        "score": m.get(headline) if m else None,
        "evidence_recall@10": m.get("evidence_recall@10"),
        "answer_p50_ms": (m.get("latency_ms") or {}).get("answer", {}).get("p50"),
        "kv_hit_rate_tokens": (m.get("scheduling") or {}).get("kv_hit_rate_tokens"),
        "error": job.error,
        "run_dir": str(job.run_dir),
    }


def aggregate(sweep_dir: Path) -> dict[str, Any]:
    jobs = sweep_status(sweep_dir)
    return {"sweep_dir": str(sweep_dir), "progress": progress_line(jobs), "counts": counts(jobs),
            "rows": [row(j) for j in jobs]}  # fmt: skip


def markdown(table: dict[str, Any]) -> str:
    lines = [f"`{table['sweep_dir']}`: {table['progress']}", "", "| " + " | ".join(COLUMNS[:-1]) + " |",
             "|" + "---|" * (len(COLUMNS) - 1)]  # fmt: skip
    lines += ["| " + " | ".join(_cell(r[c]) for c in COLUMNS[:-1]) + " |" for r in table["rows"]]
    failed = [r for r in table["rows"] if r["status"] == "failed"]
    lines += ["", "Failed runs:", *(f"- `{r['run']}`: {r['error']}" for r in failed)] if failed else []
    return "\n".join(lines) + "\n"


def as_csv(table: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*COLUMNS, "run_dir"])
    writer.writeheader()
    writer.writerows(table["rows"])
    return out.getvalue()


def log_to_wandb(table: dict[str, Any], mode: str) -> None:
    """Every complete run as a W&B run in one group, the sweep directory's name."""
    import wandb

    sweep_dir = Path(table["sweep_dir"])
    for r in table["rows"]:
        if r["status"] != "complete":
            continue
        metrics = json.loads((Path(r["run_dir"]) / "metrics.json").read_text(encoding="utf-8"))
        run = wandb.init(project="memos_lab", group=sweep_dir.name, name=r["run"], mode=mode, dir=str(sweep_dir),
                         reinit="finish_previous", config={"overrides": r["run"]},
                         settings=wandb.Settings(silent=True))  # fmt: skip
        run.summary.update({k: v for k, v in metrics.items() if isinstance(v, int | float)})
        run.finish()


def write(table: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text(out.with_suffix(".md"), markdown(table))
    write_text(out.with_suffix(".csv"), as_csv(table))
    write_json(out.with_suffix(".json"), table)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value).replace("|", "\\|")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--out", type=Path, help="path without suffix (default: SWEEP_DIR/aggregate)")
    parser.add_argument("--wandb", choices=("offline", "online"), help="log the complete runs to one W&B group")
    args = parser.parse_args(argv)
    try:
        table = aggregate(args.sweep_dir)
    except FileNotFoundError as error:
        parser.exit(2, f"error: {error}\n")
    out = args.out or args.sweep_dir / "aggregate"
    write(table, out)
    if args.wandb:
        log_to_wandb(table, args.wandb)
    print(f"{table['progress']}; table: {out}.md, .csv, .json")
    return 1 if table["counts"]["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())

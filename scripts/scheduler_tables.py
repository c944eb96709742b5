"""Tables of scheduler runs: a policy x budget sweep, and KV modes compared on one workload.

    python scripts/scheduler_tables.py sweep SWEEP_DIR [SWEEP_DIR ...] --out results/scheduler_sweep
    python scripts/scheduler_tables.py modes EXACT_RUN COMPOSED_RUN [RECOMPUTE_RUN ...] --out results/kv_modes

`sweep`: one row per run (policy, budget): KV hit rate (cubes, tokens), TTFT
and answer p50, F1, KV bytes resident (max), scheduler seconds, prefill tokens;
rows grouped by budget, the oracle (Belady's MIN on the known trace) marked as
the bound, and each policy's hit rate as a fraction of the oracle's.
`modes`: the first run is the reference (kv.mode=exact); each other run's
greedy answers are compared with it question by question (agreement), beside
F1 and the seconds the scheduler spent pre-filling. Only complete runs are
read; results/ is written only from a clean tree (or --allow-dirty, marked).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from evals.environment import dirty_marks, environment_record  # noqa: E402
from evals.records import RecordsFile  # noqa: E402
from memos_lab.atomic import write_json, write_text  # noqa: E402


def load_run(run_dir: Path) -> dict[str, Any]:
    status = json.loads((run_dir / "status.json").read_text())["status"]
    if status != "complete":
        raise SystemExit(f"{run_dir}: status {status!r}; only complete runs are tabulated")
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    metrics = json.loads((run_dir / "metrics.json").read_text())
    if "scheduling" not in metrics:
        raise SystemExit(f"{run_dir}: not a scheduler run (no policy=)")
    records = list(RecordsFile(run_dir / "records.jsonl"))
    git = json.loads((run_dir / "environment.json").read_text())["git"]
    commit = f"{git['commit']}{' (dirty)' if git.get('dirty') is not False else ''}"
    return {"dir": run_dir, "config": config, "metrics": metrics, "records": records, "commit": commit}


def sweep_row(run: dict[str, Any]) -> dict[str, Any]:
    m, s, config = run["metrics"], run["metrics"]["scheduling"], run["config"]
    return {
        "policy": s["policy"],
        "budget": f"{s['budget']['capacity']} {s['budget']['unit']}",
        "kv_mode": config["kv"]["mode"],
        "n": m["n"],
        "hit_rate_cubes": s["kv_hit_rate_cubes"],
        "hit_rate_tokens": s["kv_hit_rate_tokens"],
        "ttft_p50_ms": m["latency_ms"]["ttft"]["p50"],
        "answer_p50_ms": m["latency_ms"]["answer"]["p50"],
        "f1": m["f1"],
        "kv_bytes_max": s["kv_resident_bytes_max"],
        "scheduler_s": s["scheduler_s"],
        "prefill_tokens": s["scheduler_prefill_tokens"],
        "promotions": s["promotions"],
        "evictions": s["evictions"],
        "run": str(run["dir"]),
        "run_commit": run["commit"],
    }


def with_oracle_ratio(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    best = {r["budget"]: r["hit_rate_tokens"] for r in rows if r["policy"] == "oracle"}
    for row in rows:
        bound = best.get(row["budget"])
        row["of_oracle"] = row["hit_rate_tokens"] / bound if bound else None
    return sorted(rows, key=lambda r: (_capacity(r["budget"]), r["policy"] != "oracle", -(r["hit_rate_tokens"] or 0)))


def modes_row(run: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    mine = {r["qid"]: r["prediction"] for r in run["records"]}
    ref = {r["qid"]: r["prediction"] for r in reference["records"]}
    shared = sorted(set(mine) & set(ref))
    s = run["metrics"]["scheduling"]
    return {
        "kv_mode": run["config"]["kv"]["mode"],
        "recompute_tokens": run["config"]["kv"]["recompute_tokens"],
        "policy": s["policy"],
        "n": len(shared),
        "agreement": sum(mine[q] == ref[q] for q in shared) / len(shared) if shared else None,
        "f1": run["metrics"]["f1"],
        "f1_minus_exact": run["metrics"]["f1"] - reference["metrics"]["f1"],
        "scheduler_prefill_s": s["scheduler_prefill_s"],
        "scheduler_prefill_tokens": s["scheduler_prefill_tokens"],
        "scheduler_s": s["scheduler_s"],
        "ttft_p50_ms": run["metrics"]["latency_ms"]["ttft"]["p50"],
        "run": str(run["dir"]),
        "run_commit": run["commit"],
    }


def markdown(title: str, rows: list[dict[str, Any]], made: dict[str, Any], note: str) -> str:
    columns = [c for c in rows[0] if c not in ("run", "run_commit")]
    commits = sorted({row["run_commit"] for row in rows})
    lines = [f"# {title}", "", note, "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row[c]) for c in columns) + " |" for row in rows]
    lines += ["", f"Made by `{made['command']}` on {made['date']}, commit {made['git']['commit']}"
              f"{' (dirty tree)' if made['git'].get('dirty') else ''}, {made['machine']['cpus']} CPUs "
              f"({made['machine']['platform']}). The runs were made at commit {', '.join(commits)}: "
              + ", ".join(f"`{r['run']}`" for r in rows)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("sweep", "modes"))
    parser.add_argument("runs", nargs="+", type=Path, help="sweep: multirun dirs; modes: run dirs, the exact run first")
    parser.add_argument("--out", type=Path, required=True, help="path without suffix: writes .md and .json")
    parser.add_argument("--allow-dirty", action="store_true")
    parser.add_argument("--force", action="store_true", help="overwrite existing output files")
    args = parser.parse_args(argv)
    made = environment_record(REPO, "python " + shlex.join([sys.argv[0], *sys.argv[1:]]))
    marks = dirty_marks(made, args.out, REPO, args.allow_dirty)
    for suffix in (".md", ".json"):
        if args.out.with_suffix(suffix).exists() and not args.force:
            raise SystemExit(f"{args.out.with_suffix(suffix)} exists; pass --force to overwrite")
    if args.kind == "sweep":
        runs = [load_run(m.parent) for sweep in args.runs for m in sorted(sweep.glob("*/metrics.json"))]
        if not runs:
            raise SystemExit(f"{' '.join(map(str, args.runs))}: no complete runs")
        rows = with_oracle_ratio([sweep_row(r) for r in runs])
        title, note = "Scheduler sweep: policy x KV budget", SWEEP_NOTE
    else:
        runs = [load_run(d) for d in args.runs]
        rows = [modes_row(r, runs[0]) for r in runs]
        title, note = "KV residency: exact prefill vs composed pieces", MODES_NOTE
    write_json(args.out.with_suffix(".json"), {"made_by": made, **marks, "rows": _jsonable(rows)})
    write_text(args.out.with_suffix(".md"), markdown(title, _jsonable(rows), made, note))
    print(markdown(title, _jsonable(rows), made, note))


SWEEP_NOTE = ("hit_rate = share of the retrieved memories (cubes, tokens) already resident as KV when asked; "
              "of_oracle = token hit rate / the oracle's at the same budget (Belady's MIN on the known trace). "
              "Latencies are medians; scheduler_s is the time ticks took (prefill of new pieces, composition), "
              "apart from answering. Hit rates, F1 and prefill tokens are deterministic; seconds depend on what "
              "else shared the CPU while each run ran, so compare them within a run, not across rows.")
MODES_NOTE = ("agreement = share of questions whose greedy answer equals the exact path's (the first row); "
              "all runs replay the same workload with the same policy and budget, so their resident sets match. "
              "Seconds depend on what else shared the CPU while each run ran.")


def _capacity(budget: str) -> int:
    return int(budget.split()[0])


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _jsonable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: (str(v) if isinstance(v, Path) else v) for k, v in row.items()} for row in rows]


if __name__ == "__main__":
    main()

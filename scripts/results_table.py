"""Turn run directories into a results table (Markdown + JSON) under results/.

    python scripts/results_table.py runs/locomo_main --out results/locomo_main

Only complete runs from a clean git tree are tabulated; cancelled, running and
dirty-tree runs are listed apart (or included with --include-dirty, and
--include-partial: scored on the questions answered so far, marked partial).
An existing table is never overwritten without --force, and a table is
written into results/ only from a clean tree (or with --allow-dirty, which
marks the JSON "dirty" with a "warning" and says so in the Markdown).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from evals.environment import DirtyTreeError, dirty_marks, environment_record  # noqa: E402
from evals.metrics import summarise  # noqa: E402
from evals.records import RecordsFile  # noqa: E402
from evals.run_dir import environments, read_run, systems_of  # noqa: E402
from evals.summary import metric_names  # noqa: E402
from memos_lab.atomic import write_json, write_text  # noqa: E402

COST_COLUMNS = ("recall@5", "recall@10", "search_p50", "search_p95", "answer_p50", "answer_p95", "total_p50",
                "total_p95", "ttft_p50", "prompt_tokens", "bytes", "bytes_plaintext", "bytes_activation",
                "bytes_parameter", "ingest_s")
# shown where some run has them
OPTIONAL_COLUMNS = ("scheduler_s", "migrations", "superseded", "merged", "kv_pieces", "adapter_merges")


def judged(system_dir: Path) -> dict[str, Any]:
    """Judge accuracy columns from each judge that ran over this system (`python -m evals.judge`):
    judge:<id> overall and by category, and whether it is comparable with GPT-4o-mini figures."""
    columns: dict[str, Any] = {}
    for path in sorted(system_dir.glob("judge/*/judge_metrics.json")):
        metrics = json.loads(path.read_text())
        name = f"judge:{path.parent.name}" + ("" if metrics["judge"].get("comparable_with_gpt4o_mini") else "*")
        columns[name] = metrics["accuracy"]
        columns |= {f"{name}_{c}": v["accuracy"] for c, v in metrics["by_category"].items()}
    return columns


def score_partial(run: dict[str, Any]) -> dict[str, Any]:
    """Metrics of an unfinished run from the records it has; bytes stored are unknown until it ends."""
    from hydra.utils import instantiate

    records = list(RecordsFile(run["dir"] / "records.jsonl"))
    if not records:
        raise ValueError(f"{run['dir']}: no records yet")
    metrics = summarise(records, instantiate(run["config"]["dataset"]), {})
    metrics["bytes_stored_total"] = None
    return {**run, "metrics": metrics, "partial": True}


def row(run: dict[str, Any]) -> dict[str, Any]:
    """One table row: the dataset's own metrics (the headline by category), then recall and costs."""
    m = run["metrics"]
    headline, *others = metric_names(m)
    latency = m["latency_ms"]
    label = run["label"]
    return {
        "system": label + (" [partial]" if run.get("partial") else ""),
        "dataset": m.get("dataset", "locomo"), "n": m["n"], **judged(run["dir"]), headline: m[headline],
        **{f"{headline}_{c}": v for c, v in m[f"{headline}_by_category"].items()},
        **breakdowns(m, headline),
        **{name: m[name] for name in others},
        "recall@5": m["evidence_recall@5"], "recall@10": m["evidence_recall@10"],
        **{f"{kind}_{p}": latency[kind][p] for kind in ("search", "answer", "total") if kind in latency
           for p in ("p50", "p95")},
        "ttft_p50": latency["ttft"]["p50"],
        "prompt_tokens": m["prompt_tokens_mean"], "bytes": m["bytes_stored_total"],
        **{f"bytes_{tier}": size for tier, size in (m.get("bytes_stored") or {}).items()},
        "ingest_s": (m.get("ingest_s") or {}).get("total"), **operating_system(m), "run": str(run["dir"]),
        **provenance(run["environment"]),
    }


def operating_system(metrics: dict[str, Any]) -> dict[str, Any]:
    """What the scheduler, the migration rules and fusion did: seconds, moves by rule, facts fused, KV pieces
    stored (kv_concat), adapters merged (lora_merge)."""
    scheduling, fusion = metrics.get("scheduling") or {}, metrics.get("fusion") or {}
    moves = scheduling.get("migrations") or {}
    return {"scheduler_s": scheduling.get("scheduler_s"),
            "migrations": ", ".join(f"{rule} {n}" for rule, n in moves.items()) if moves else None,
            **{key: fusion.get(key) for key in ("superseded", "merged", "kv_pieces", "adapter_merges")}}


def breakdowns(metrics: dict[str, Any], headline: str) -> dict[str, Any]:
    """The headline by any other grouping the dataset reports (LongBench-E: `score_by_length`)."""
    groups = [k for k in metrics if k.startswith(f"{headline}_by_") and k != f"{headline}_by_category"]
    return {f"{headline}_{g.removeprefix(headline + '_by_')}={k}": v for g in groups for k, v in metrics[g].items()}


def provenance(environment: dict[str, Any]) -> dict[str, Any]:
    """The run's command and first commit; dirty when any start, resumption or adopted shard was; the later
    commits (resumptions, adoptions) and the shards whose answers it adopted."""
    records = environments(environment)
    later = dict.fromkeys(r.get("git", {}).get("commit") for r in records[1:])
    for first_or_unknown in (environment["git"]["commit"], None):
        later.pop(first_or_unknown, None)
    return {"command": environment["command"], "commit": environment["git"]["commit"],
            "dirty": any(bool(r.get("git", {}).get("dirty")) for r in records),
            "later_commits": list(later), "adopted": [a["shard"] for a in environment.get("adopted", [])]}


def run_provenance(row: dict[str, Any]) -> str:
    later = ", ".join(c[:8] for c in row.get("later_commits", []))
    adopted = ", ".join(row.get("adopted", []))
    return (f"{row['run']}, commit {row['commit'][:8]}" + (f", resumed or adopted at {later}" if later else "")
            + (f", answers adopted from {adopted}" if adopted else "") + (", dirty tree" if row["dirty"] else ""))


def columns(rows: list[dict[str, Any]]) -> list[str]:
    """Every row's metric columns in first-seen order, then the cost columns."""
    skipped = (*COST_COLUMNS, *OPTIONAL_COLUMNS, "run", "command", "commit", "dirty", "later_commits", "adopted")
    seen = dict.fromkeys(k for r in rows for k in r if k not in skipped)
    optional = [c for c in OPTIONAL_COLUMNS if any(r.get(c) is not None for r in rows)]
    return [*seen, *COST_COLUMNS, *optional]


def markdown(rows: list[dict[str, Any]]) -> str:
    def cell(value: Any) -> str:
        if value is None:
            return "-"
        return f"{value:.3f}" if isinstance(value, float) and abs(value) < 10 else (
            f"{value:,.0f}" if isinstance(value, (int, float)) else str(value))

    names = columns(rows)
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join(cell(r.get(c)) for c in names) + " |" for r in rows]
    return "\n".join(lines)


def collect(roots: list[Path], include_dirty: bool, include_partial: bool = False) -> tuple[list[dict], list[str]]:
    rows, skipped = [], []
    for status_file in sorted(p for root in roots for p in root.rglob("status.json")):
        run = read_run(status_file.parent)
        unfinished = run["status"] != "complete" or run["metrics"] is None
        if unfinished and include_partial and (run["dir"] / "records.jsonl").exists():
            run = score_partial(run)
        elif unfinished:
            skipped.append(f"{run['dir']}: {run['status']}")
            continue
        if provenance(run["environment"])["dirty"] and not include_dirty:
            skipped.append(f"{run['dir']}: dirty git tree")
        else:
            rows += [row(r) for r in systems_of(run) if r["metrics"] is not None]
    return rows, skipped


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run directories or folders of them")
    parser.add_argument("--out", type=Path, required=True, help="output path without suffix (.md, .json)")
    parser.add_argument("--include-dirty", action="store_true", help="also tabulate runs made from a dirty git tree")
    parser.add_argument("--include-partial", action="store_true",
                        help="also tabulate running or cancelled runs on the questions answered so far")
    parser.add_argument("--force", action="store_true", help="overwrite an existing OUT.md / OUT.json")
    parser.add_argument("--allow-dirty", action="store_true",
                        help="write into results/ from a dirty git tree (the table is marked dirty)")
    args = parser.parse_args(argv)
    argv = sys.argv[1:] if argv is None else list(argv)
    outputs = [args.out.with_suffix(".json"), args.out.with_suffix(".md")]
    existing = [str(p) for p in outputs if p.exists()]
    if existing and not args.force:
        sys.exit(f"results_table: {', '.join(existing)} exists; pass --force to overwrite it")
    made = environment_record(REPO, shlex.join(["python", "scripts/results_table.py", *argv]))
    try:
        marks = dirty_marks(made, args.out.with_suffix(".json"), REPO, args.allow_dirty)
    except DirtyTreeError as exc:
        sys.exit(f"results_table: {exc}")
    rows, skipped = collect(args.runs, args.include_dirty, args.include_partial)
    if not rows:
        sys.exit(f"no complete runs under {[str(r) for r in args.runs]} ({len(skipped)} skipped: {skipped[:5]})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_json(outputs[0], {**marks, "made_by": made, "rows": rows, "skipped": skipped})
    warning = f"**Warning: {marks['warning']}.**\n\n" if marks else ""
    header = (f"{warning}Made by `{made['command']}` on {made['machine']['platform']} "
              f"({made['machine']['cpus']} CPUs), {made['date']}, commit {made['git']['commit']}.\n\n"
              "Latencies in ms; bytes = bytes stored by the memory; ingest_s = seconds to build the memory "
              "of all episodes (indexing, KV prefill or adapter training); a metric_<c> column is the "
              "headline metric on category c (LoCoMo: 1 multi-hop, 2 temporal, 3 open-domain, 4 single-hop; "
              "LongBench: the task); judge:<id> columns are LLM-judge accuracy (`python -m evals.judge`), "
              "starred where the judge is not comparable with GPT-4o-mini figures.\n\n")
    commands = "\n".join(f"- {r['system']}: `{r['command']}` ({run_provenance(r)})" for r in rows)
    write_text(outputs[1], header + markdown(rows) + "\n\nRuns:\n\n" + commands + "\n")
    print(markdown(rows))


if __name__ == "__main__":
    main()

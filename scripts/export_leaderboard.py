"""Export finished runs as leaderboard entries: one JSON per system, in one schema (README "Leaderboard export").

    python scripts/export_leaderboard.py RUN_DIR [RUN_DIR ...] --out leaderboard/

Each run's configured system and each of its baselines becomes
OUT/<dataset>--<system>--<config hash>.json: config hash, git commit, dataset
and scoring versions, the judges that judged it, accuracy metrics and costs.
Refused, with nothing written: a run that is not complete (running,
cancelled, failed, or a baseline without metrics) and a run made or resumed
from a dirty git tree (or one git could not describe). An existing entry is
replaced only with --force.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shlex
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from evals.environment import DirtyTreeError, dirty_marks, environment_record  # noqa: E402
from evals.errors import UserError  # noqa: E402
from evals.run_dir import (  # noqa: E402
    RESUMABLE_DIFFERENCES,
    dataset_name,
    environments,
    read_run,
    require_complete,
    system_dirs,
)
from memos_lab.atomic import dumps_json, write_json  # noqa: E402

SCHEMA = "memos_lab.leaderboard/1"
FIELDS = ("schema", "system", "role", "run_dir", "config_sha256", "git", "dataset", "model", "n_questions", "metrics",
          "judges", "costs", "environment", "exported_by")  # fmt: skip
COST_KEYS = ("latency_ms", "prompt_tokens_mean", "bytes_stored", "bytes_stored_total", "ingest_s", "scheduling")
UNHASHED = (*RESUMABLE_DIFFERENCES, "dataset.path")  # how a run ran and where its data lay, not what it measured


def config_sha256(config: dict[str, Any], run_dir: Path, baseline: str | None = None) -> str:
    """sha256 of the canonical resolved config (sorted keys, compact JSON) of what was measured.

    Left out: UNHASHED keys; the run directory's own path inside values (e.g. the store) becomes "<run_dir>". A
    baseline's config is the run's with `memory` replaced by the option's name and no policy, as the runner builds it.
    """
    measured = {k: v for k, v in config.items() if k not in RESUMABLE_DIFFERENCES}
    measured["dataset"] = {k: v for k, v in (measured.get("dataset") or {}).items() if k != "path"}
    if baseline is not None:
        measured |= {"memory": {"option": baseline}, "policy": None}
    text = json.dumps(measured, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.replace(str(run_dir), "<run_dir>").encode("utf-8")).hexdigest()


def check_exportable(run: dict[str, Any]) -> None:
    """Refuse a partial run, a partial baseline, and a run made or resumed from a dirty (or undescribed) tree."""
    require_complete(run)
    for name, path in system_dirs(run).items():
        if not (path / "metrics.json").is_file():
            raise UserError(f"{path}: baseline {name} has no metrics.json (a partial run); finish the run first")
    env = run["environment"]
    for record in environments(env):
        dirty = record.get("git", {}).get("dirty")
        if dirty is not False:
            what = "git could not tell whether its tree was clean" if dirty is None else (
                f"its tree was dirty at commit {record['git'].get('commit')} "
                f"({record['git'].get('dirty_count', '?')} files, e.g. {record['git'].get('dirty_files', [])[:3]})")
            raise UserError(f"{run['dir']}: refused, {what}; leaderboard entries come from clean commits")


def entries(run: dict[str, Any], exported_by: dict[str, Any]) -> list[dict[str, Any]]:
    """One leaderboard entry per system of a checked run."""
    main_dir = run["dir"]
    return [entry(run, name, path, None if path == main_dir else name, exported_by)
            for name, path in system_dirs(run).items()]  # fmt: skip


def entry(run: dict[str, Any], system: str, path: Path, baseline: str | None,
          exported_by: dict[str, Any]) -> dict[str, Any]:
    env, config = run["environment"], run["config"]
    metrics = json.loads((path / "metrics.json").read_text(encoding="utf-8"))
    model = config.get("model") or {}
    return {
        "schema": SCHEMA, "system": system, "role": "baseline" if baseline else "system",
        "run_dir": str(path), "config_sha256": config_sha256(config, run["dir"], baseline),
        "git": {"commit": env["git"]["commit"], "dirty": False,
                "resumed_at": [r["git"]["commit"] for r in env.get("resumed", [])],
                "adopted_from": [{"shard": a["shard"], "commit": a["environment"]["git"]["commit"]}
                                 for a in env.get("adopted", [])]},
        "dataset": {"name": dataset_name(config), **env.get("dataset", {}),
                    "scoring_version": env.get("scoring_version")},
        "model": {"target": model.get("_target_"), "name": model.get("model")},
        "n_questions": metrics.get("n"),
        "metrics": {k: v for k, v in metrics.items() if k not in COST_KEYS},
        "judges": judges(path),
        "costs": costs(metrics),
        "environment": {k: env.get(k) for k in ("command", "date", "machine", "packages", "torch_threads")},
        "exported_by": exported_by,
    }  # fmt: skip


def judges(system_dir: Path) -> list[dict[str, Any]]:
    """The judge_metrics.json of every judge that judged this system (evals/judges/), less its request counts."""
    found = []
    for path in sorted(system_dir.glob("judge/*/judge_metrics.json")):
        judged = json.loads(path.read_text(encoding="utf-8"))
        found.append({k: v for k, v in judged.items() if k != "calls"})
    return found


def costs(metrics: dict[str, Any]) -> dict[str, Any]:
    latency = {name: {q: s.get(q) for q in ("p50", "p95")} for name, s in (metrics.get("latency_ms") or {}).items()}
    found = {k: metrics.get(k) for k in ("prompt_tokens_mean", "bytes_stored", "bytes_stored_total")}
    return {"latency_ms": latency, **found, "ingest_s": (metrics.get("ingest_s") or {}).get("total"),
            **({"scheduling": metrics["scheduling"]} if "scheduling" in metrics else {})}  # fmt: skip


def file_name(item: dict[str, Any]) -> str:
    system = re.sub(r"[^A-Za-z0-9._-]+", "_", item["system"]).strip("_")
    return f"{item['dataset']['name']}--{system}--{item['config_sha256'][:12]}.json"


def find_runs(paths: list[Path]) -> list[Path]:
    runs = []
    for path in paths:
        if not path.is_dir():
            raise UserError(f"{path}: no such run directory")
        runs += [path] if (path / "status.json").exists() else sorted(p.parent for p in path.rglob("status.json"))
    if not runs:
        raise UserError(f"no run directories under {', '.join(map(str, paths))}")
    return runs


def export(paths: list[Path], out: Path, exported_by: dict[str, Any], force: bool = False) -> list[Path]:
    """Check every run, then write every entry; a refusal leaves OUT untouched."""
    runs = [read_run(path) for path in find_runs(paths)]
    for run in runs:
        check_exportable(run)
    made = {out / file_name(item): item for run in runs for item in entries(run, exported_by)}
    clashing = [str(p) for p, item in made.items() if p.exists() and p.read_text() != dumps_json(item)]
    if clashing and not force:
        raise UserError(f"{clashing[0]} exists with other content; pass --force to replace it")
    out.mkdir(parents=True, exist_ok=True)
    for path, item in made.items():
        write_json(path, item)
    return list(made)


def main(argv: list[str] | None = None) -> list[Path]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run directories or folders of them")
    parser.add_argument("--out", type=Path, required=True, help="folder of the entries (one JSON per system)")
    parser.add_argument("--force", action="store_true", help="replace entries that exist with other content")
    parser.add_argument("--allow-dirty", action="store_true",
                        help="export into results/ from a dirty tree (each entry marked in exported_by)")
    args = parser.parse_args(argv)
    command = shlex.join(["python", "scripts/export_leaderboard.py", *(sys.argv[1:] if argv is None else argv)])
    record = environment_record(REPO, command)
    try:
        marks = dirty_marks(record, args.out / "entry.json", REPO, args.allow_dirty)
        exported_by = {"command": command, "date": record["date"], "commit": record["git"]["commit"],
                       "dirty": record["git"]["dirty"], **marks}  # fmt: skip
        written = export(args.runs, args.out, exported_by, args.force)
    except (UserError, DirtyTreeError) as error:
        sys.exit(f"export_leaderboard: {error}")
    print("\n".join(map(str, written)))
    return written


if __name__ == "__main__":
    main()

"""The same sweep launched twice, by Hydra's basic launcher and by joblib (`hydra/launcher=parallel`,
2 jobs, torch threads split), timed and aggregated into one note.

    python scripts/sweep_launchers.py --out results/sweep_launchers

Runs 12 configurations (6 policies x 2 KV budgets on a small zipf_drift
workload) into runs/sweep_launchers/<commit>/{basic,joblib}, each a fresh
sweep directory (an existing one is refused: a resumed sweep's wall time means
nothing), checks that both launchers give every run the same F1, and writes
OUT.md and OUT.json with the wall times, the aggregated table and the
environment record. results/ is written only from a clean tree.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from aggregate_sweep import aggregate, markdown  # noqa: E402

from evals.environment import dirty_marks, environment_record  # noqa: E402
from memos_lab.atomic import write_json, write_text  # noqa: E402

SWEEP = ["policy=lru,lfu,fifo,arc,lrfu,oracle", "budget.kv_tokens=64,256", "workload=zipf_drift",
         "workload.queries=3", "workload.memories=12", "logger=none"]  # fmt: skip
LAUNCHERS = {"basic": [], "joblib": ["hydra/launcher=parallel", "hydra.launcher.n_jobs=2"]}


def timed_sweep(name: str, sweep_dir: Path) -> dict[str, Any]:
    if sweep_dir.exists():
        raise SystemExit(f"{sweep_dir} exists: a resumed sweep's wall time is not the launcher's; remove it")
    command = [sys.executable, str(REPO / "run.py"), "-m", *SWEEP, *LAUNCHERS[name], f"hydra.sweep.dir={sweep_dir}"]
    load_before, start = os.getloadavg()[0], time.perf_counter()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"the {name} sweep failed ({result.returncode}):\n{result.stderr[-3000:]}")
    table = aggregate(sweep_dir)
    threads = sorted({json.loads((Path(r["run_dir"]) / "environment.json").read_text())["torch_threads"]
                      for r in table["rows"]})  # fmt: skip
    return {"launcher": name, "command": " ".join(["python run.py -m", *SWEEP, *LAUNCHERS[name]]), "wall_s": wall,
            "torch_threads": threads, "load_1min": [load_before, os.getloadavg()[0]], "table": table}  # fmt: skip


def same_scores(basic: dict[str, Any], joblib: dict[str, Any]) -> bool:
    def f1s(t):
        return {r["run"]: r["f1"] for r in t["table"]["rows"]}

    return f1s(basic) == f1s(joblib)


def note(sweeps: list[dict[str, Any]], made: dict[str, Any], identical: bool) -> str:
    basic, joblib = sweeps
    lines = ["# One sweep, two launchers", "",
             f"{basic['table']['counts']['total']} configurations (6 policies x 2 KV budgets, zipf_drift with 12 "
             "memories and 3 queries, SmolLM2-135M on the KV tier), run once by Hydra's basic launcher (one run "
             "after another, each taking its share of the idle cores) and once by joblib (2 runs at once, one "
             "torch thread each).", "",
             "| launcher | runs complete | wall time (s) | torch threads per run | 1-min load average (start, end) |",
             "|---|---|---|---|---|"]  # fmt: skip
    lines += [f"| {s['launcher']} | {s['table']['counts']['complete']} | {s['wall_s']:.1f} | "
              f"{', '.join(map(str, s['torch_threads']))} | {s['load_1min'][0]:.1f}, {s['load_1min'][1]:.1f} |"
              for s in sweeps]  # fmt: skip
    lines += ["", f"joblib / basic wall time: {joblib['wall_s'] / basic['wall_s']:.2f}. Every run's F1 is "
              f"{'identical' if identical else 'NOT identical'} under both launchers. The machine is shared: a load "
              f"average above its {made['machine']['cpus']} CPUs means other programs held the cores, and two runs "
              "at once can then go no faster than one after another (the basic launcher's runs also drop to the "
              "idle cores' share, evals/threads.py).", "",
              "Commands:", "", *(f"    {s['command']}" for s in sweeps), "",
              "## The aggregated table (joblib sweep, `scripts/aggregate_sweep.py`)", "",
              markdown(joblib["table"]),
              f"Made by `{made['command']}` on {made['date']}, commit {made['git']['commit']}"
              f"{' (dirty tree)' if made['git'].get('dirty') else ''}, {made['machine']['cpus']} CPUs "
              f"({made['machine']['platform']})."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="path without suffix: writes .md and .json")
    parser.add_argument("--allow-dirty", action="store_true")
    args = parser.parse_args(argv)
    made = environment_record(REPO, " ".join(["python", *sys.argv]))
    marks = dirty_marks(made, args.out.with_suffix(".json"), REPO, args.allow_dirty)
    runs = REPO / "runs" / "sweep_launchers" / (made["git"]["commit"] or "no-commit")[:12]
    sweeps = [timed_sweep(name, runs / name) for name in LAUNCHERS]
    identical = same_scores(*sweeps)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_json(args.out.with_suffix(".json"), marks | {"made_by": made, "identical_f1": identical, "sweeps": sweeps})
    write_text(args.out.with_suffix(".md"), note(sweeps, made, identical))
    print(f"basic {sweeps[0]['wall_s']:.1f} s, joblib {sweeps[1]['wall_s']:.1f} s; wrote {args.out}.md, .json")


if __name__ == "__main__":
    main()

"""Adopt a shard's answers into a run (evals/adopt.py), then resume the run to finish it.

    # two processes, one core each: the run, and a shard of its last conversations
    taskset -c 0 python run.py +experiment=locomo_main torch_threads=1 hydra.run.dir=runs/main &
    taskset -c 1 python run.py +experiment=locomo_main torch_threads=1 'dataset.sample_ids=[48,49,50]' \\
        hydra.run.dir=runs/main_shard &
    # when the shard is complete (or stopped): stop the run (SIGTERM), adopt, resume it with its own command
    python scripts/adopt_shard.py runs/main runs/main_shard
    python run.py +experiment=locomo_main torch_threads=2 hydra.run.dir=runs/main

The shard must be stopped (complete, cancelled or failed) and a run of the
same config except the dataset's selection; the run must not be live. environment.json of the run records the
adoption (`adopted`), which results_table.py and export_leaderboard.py read.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from evals.adopt import adopt  # noqa: E402
from evals.environment import environment_record  # noqa: E402
from evals.errors import report_user_error  # noqa: E402
from evals.run_dir import read_json  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="the run directory that adopts the answers")
    parser.add_argument("shards", nargs="+", type=Path, help="stopped run directories of the same config")
    args = parser.parse_args(argv)
    argv = sys.argv[1:] if argv is None else list(argv)
    by = environment_record(REPO, shlex.join(["python", "scripts/adopt_shard.py", *argv]))
    try:
        for shard in args.shards:
            adopted = adopt(args.run, shard, by)
            counts = ", ".join(f"{a.folder or 'the run'}: {a.records} adopted, {a.already_answered} it had"
                               for a in adopted)  # fmt: skip
            print(f"{shard} -> {args.run}: {counts}")
    except Exception as error:  # noqa: BLE001 (report_user_error re-raises bugs)
        return report_user_error(error)
    command = read_json(args.run / "environment.json")["command"]
    print(f"resume it to restore the adopted episodes and finish: {command} hydra.run.dir={args.run}"
          if "hydra.run.dir=" not in command else f"resume it to finish: {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

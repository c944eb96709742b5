"""Entry point: `python run.py [group=option ...] [key=value ...]`, `-m` to sweep.

Nothing but wiring; the run itself is evals/runner.py. Mistakes a user makes
(a bad override, a missing dataset, an unknown model) print one line, no
traceback; Ctrl-C or SIGTERM print how to resume.
"""

import os
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from evals.config import register_configs
from evals.errors import user_error
from evals.sweep.stop import stop_on_sigterm
from evals.sweep.sweep_dir import with_sweep_dir

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("WANDB_SILENT", "true")
os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS (evals/determinism.py)
register_configs()


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg: DictConfig) -> float | None:
    from evals.runner import run

    run_dir = Path(HydraConfig.get().runtime.output_dir)
    command = " ".join(["python", *sys.argv])
    multirun = HydraConfig.get().mode == RunMode.MULTIRUN
    try:
        judge = cfg.get("judge")
        if judge is not None:  # `judge=...`: checked before answering, the answers judged once complete
            from evals.judge import judge_run_dir, print_judged, require_judge

            require_judge(judge)
        if multirun:  # a finished run is skipped, a failed one recorded and the sweep goes on
            from evals.sweep.job import sweep_run

            headline = sweep_run(cfg, run_dir)
        else:
            metrics = run(cfg, run_dir, command=command)
            headline = metrics[metrics["metric_names"][0]]  # the dataset's headline, a sweeper's objective
        if judge is not None and headline is not None:
            print_judged(judge_run_dir(run_dir, judge), run_dir)
        return headline
    except KeyboardInterrupt:
        resume = command if multirun or "hydra.run.dir=" in command else f"{command} hydra.run.dir={run_dir}"
        print(f"\ncancelled; {run_dir} keeps what was answered. Resume with:\n  {resume}", file=sys.stderr)
        sys.exit(130)
    except Exception as error:
        mistake = user_error(error)
        if mistake is None:
            raise
        print(f"error: {mistake}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    stop_on_sigterm()
    sys.argv = with_sweep_dir(sys.argv, Path.cwd())
    try:
        main()
    except KeyboardInterrupt:  # outside a run: in a parallel launcher's driver, or between two runs
        print(f"\nsweep stopped. Resume with:\n  {' '.join(['python', *sys.argv])}", file=sys.stderr)
        sys.exit(130)

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
from omegaconf import DictConfig

from evals.config import register_configs
from evals.errors import user_error

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("WANDB_SILENT", "true")
register_configs()


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg: DictConfig) -> float | None:
    from evals.runner import run

    run_dir = Path(HydraConfig.get().runtime.output_dir)
    command = " ".join(["python", *sys.argv])
    try:
        metrics = run(cfg, run_dir, command=command)
        return metrics[metrics["metric_names"][0]]  # the dataset's headline metric (a sweeper's objective)
    except KeyboardInterrupt:
        resume = command if "hydra.run.dir=" in command else f"{command} hydra.run.dir={run_dir}"
        print(f"\ncancelled; {run_dir} keeps what was answered. Resume with:\n  {resume}", file=sys.stderr)
        sys.exit(130)
    except Exception as error:
        mistake = user_error(error)
        if mistake is None:
            raise
        print(f"error: {mistake}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()

"""Entry point: `python run.py [group=option ...] [key=value ...]`, `-m` to sweep.

Nothing but wiring; the run itself is evals/runner.py.
"""

import os
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from evals.config import register_configs

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
register_configs()


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg: DictConfig) -> float | None:
    from evals.runner import run

    metrics = run(cfg, Path(HydraConfig.get().runtime.output_dir), command=" ".join(["python", *sys.argv]))
    return metrics["f1"]


if __name__ == "__main__":
    main()

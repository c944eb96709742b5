"""One run: dataset x memory system x model x scorer, written to a run directory."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from evals.harness import evaluate
from evals.locomo.loader import Conversation, load_locomo, select
from evals.locomo.scoring import aggregate
from evals.metrics import summarise
from evals.run_dir import environment, write_json
from evals.summary import print_summary

REPO_ROOT = Path(__file__).resolve().parents[1]


def set_threads(threads: int | None) -> None:
    import torch

    if threads is not None:
        if threads < 1:
            raise ValueError(f"torch_threads must be >= 1, got {threads}")
        torch.set_num_threads(threads)


def seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def load_dataset(cfg: DictConfig) -> list[Conversation]:
    ids = None if cfg.sample_ids is None else [str(i) for i in cfg.sample_ids]
    conversations = select(load_locomo(cfg.path), sample_ids=ids, categories=list(cfg.categories),
                           max_questions=cfg.max_questions, stride=cfg.question_stride)
    if not any(c.questions for c in conversations):
        raise ValueError(f"dataset selection has no questions: sample_ids={ids}, categories={list(cfg.categories)}")
    return conversations


def run(cfg: DictConfig, run_dir: Path, command: str) -> dict[str, Any]:
    from hydra.utils import instantiate

    seed_everything(cfg.seed)
    set_threads(cfg.torch_threads)
    run_dir.mkdir(parents=True, exist_ok=True)
    conversations = load_dataset(cfg.dataset)
    logger = instantiate(cfg.logger)
    system = instantiate(cfg.memory)(model=instantiate(cfg.model))
    (run_dir / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True), encoding="utf-8")
    write_json(run_dir / "environment.json", environment(REPO_ROOT, command))
    write_json(run_dir / "status.json", {"status": "running"})
    logger.start(run_dir, name=run_dir.name, config=OmegaConf.to_container(cfg, resolve=True))
    try:
        records = evaluate(system, conversations, run_dir)
        metrics = summarise(records, aggregate, system.bytes_stored())
        write_json(run_dir / "metrics.json", metrics)
        logger.log_metrics(metrics)
        logger.log_records(records)
    except BaseException:
        write_json(run_dir / "status.json", {"status": "cancelled"})
        raise
    finally:
        logger.finish()
    write_json(run_dir / "status.json", {"status": "complete"})
    if cfg.print_table:
        print_summary(metrics, title=f"{system.name} / {cfg.dataset.name} -> {run_dir}")
    return metrics

"""One run: dataset x memory system x model x scorer, written to a run directory."""

from __future__ import annotations

import inspect
import signal
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from evals.config import validate
from evals.harness import evaluate
from evals.metrics import summarise
from evals.run_dir import begin, environment, exclusive, write_json
from evals.scheduler_ticks import write_ticks
from evals.summary import print_comparison, print_summary
from evals.threads import default_threads, register_live_run

REPO_ROOT = Path(__file__).resolve().parents[1]


class RunTerminated(KeyboardInterrupt):
    """SIGTERM: the run stops like a Ctrl-C, its status says cancelled, and it can be resumed."""


def set_threads(threads: int | None) -> int:
    import torch

    register_live_run()
    chosen = threads if threads is not None else default_threads()
    torch.set_num_threads(chosen)
    return chosen


def seed_everything(seed: int) -> None:
    from evals.determinism import make_deterministic

    make_deterministic(seed)


def load_episodes(cfg: DictConfig):
    """The dataset and its episodes, reshaped by the workload when one is configured."""
    from hydra.utils import instantiate

    dataset = instantiate(cfg.dataset)
    episodes = dataset.load()
    if cfg.get("workload") is not None:
        episodes = instantiate(cfg.workload)(episodes)
    return dataset, episodes


def scheduler_factory(cfg: DictConfig):
    """A `scheduler(tier=...)` factory when a policy is configured, else None."""
    if cfg.get("policy") is None:
        return None
    from hydra.utils import instantiate

    budget = cfg.budget
    kv_tokens = budget.kv_tokens if (budget.kv_tokens or budget.kv_bytes) else 1024
    return instantiate(cfg.scheduler, policy=instantiate(cfg.policy), kv_tokens=kv_tokens, kv_bytes=budget.kv_bytes,
                       adapter_slots=budget.adapter_slots, migration=migrators(cfg))


def migrators(cfg: DictConfig) -> list:
    """The configured migration rules, in the order given (`migration=[...]`)."""
    from hydra.utils import instantiate

    return [instantiate(node) for node in (cfg.get("migration") or {}).values()]


def build_system(cfg: DictConfig, memory: DictConfig, model):
    from hydra.utils import instantiate

    factory = instantiate(memory)
    scheduler = scheduler_factory(cfg)
    if scheduler is None:
        return factory(model=model)
    if "scheduler" not in inspect.signature(factory.func).parameters:
        raise ValueError(f"a scheduling policy needs memory=memos (with tier=kv), not {factory.func.__name__}")
    return factory(model=model, scheduler=scheduler)


def run(cfg: DictConfig, run_dir: Path, command: str) -> dict[str, Any]:
    """Evaluate the configured system (and any `compare_with` baselines) and write the run directory."""
    from hydra.utils import instantiate

    validate(cfg)
    seed_everything(cfg.seed)
    threads = set_threads(cfg.torch_threads)
    dataset, episodes = load_episodes(cfg)
    config = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)
    record = environment(REPO_ROOT, command, dataset_path=dataset.path, dataset_sha256=dataset.sha256,
                         scoring_version=dataset.scoring_version) | {"torch_threads": threads}
    run_dir.mkdir(parents=True, exist_ok=True)
    with exclusive(run_dir):  # a second process resuming it (or adopting into it) is refused, not interleaved
        begin(run_dir, config, record)
        model = instantiate(cfg.model)
        system = build_system(cfg, cfg.memory, model)
        metrics = _evaluate(cfg, system, dataset, episodes, run_dir, config)
        rows = {system.name: metrics} | _baselines(cfg, model, dataset, episodes, run_dir)
    if cfg.print_table:
        size = f"{metrics['n']} questions from {len(episodes)} {dataset.name} episode(s)"
        print_summary(metrics, title=f"{system.name} / {cfg.task_name}: {size}")
        if len(rows) > 1:
            print_comparison(rows, title=f"on the same {metrics['n']} questions")
        print(f"results: {run_dir} (records.jsonl, metrics.json, config.yaml, environment.json)")
    return metrics


def _evaluate(cfg: DictConfig, system, dataset, episodes, run_dir: Path, config: dict[str, Any]) -> dict[str, Any]:
    from hydra.utils import instantiate

    logger = instantiate(cfg.logger)
    write_json(run_dir / "status.json", {"status": "running"})
    logger.start(run_dir, name=run_dir.name, config=config)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        records = evaluate(system, dataset, episodes, run_dir)
        metrics = summarise(records, dataset, system.bytes_stored(), getattr(system, "scheduling_summary", None),
                            getattr(system, "fusion_summary", None))
        write_json(run_dir / "metrics.json", metrics)
        logger.log_metrics(metrics)
        logger.log_records(records)
        logger.log_ticks(write_ticks(run_dir, system))
    except KeyboardInterrupt:
        write_json(run_dir / "status.json", {"status": "cancelled"})
        raise
    except Exception as error:
        write_json(run_dir / "status.json", {"status": "failed", "error": f"{type(error).__name__}: {error}"})
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
        logger.finish()
    write_json(run_dir / "status.json", {"status": "complete"})
    return metrics


def _baselines(cfg: DictConfig, model, dataset, episodes, run_dir: Path) -> dict[str, dict[str, Any]]:
    """`compare_with`: other memory options on the same questions, each in run_dir/baselines/<name>."""
    from hydra import compose

    rows = {}
    for name in cfg.compare_with:
        memory = compose(config_name="config", overrides=[f"memory={name}"]).memory
        system = build_system(OmegaConf.merge(cfg, {"policy": None}), memory, model)
        sub_dir = run_dir / "baselines" / name
        sub_dir.mkdir(parents=True, exist_ok=True)
        records = evaluate(system, dataset, episodes, sub_dir)
        rows[system.name] = summarise(records, dataset, system.bytes_stored())
        write_json(sub_dir / "metrics.json", rows[system.name])
    return rows


def _terminate(signum, frame) -> None:
    raise RunTerminated(f"signal {signum}")

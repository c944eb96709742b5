"""The W&B logger, offline with the real wandb: what an offline run holds, read back from its files."""

from __future__ import annotations

import json

import wandb
from config_helpers import compose_config
from run_dir_builder import LOCOMO_RECORDS, config, metrics

from evals.loggers.wandb_logger import WandbLogger

TICKS = [
    {"tick": 1, "queries": 2, "kv_resident_tokens": 40, "kv_resident_bytes": 40_960, "adapters_loaded": None,
     "kv_hit_rate_tokens": None, "answer_s_mean": 0.5, "ttft_s_mean": 0.1},
    {"tick": 2, "queries": 4, "kv_resident_tokens": 60, "kv_resident_bytes": 61_440, "adapters_loaded": None,
     "kv_hit_rate_tokens": 0.5, "answer_s_mean": 0.4, "ttft_s_mean": 0.08},
]  # fmt: skip


def offline_run(run_dir):
    (found,) = (run_dir / "wandb").glob("offline-run-*")
    return found


def table(run, key):
    (path,) = (run / "files" / "media" / "table").glob(f"{key}_*.table.json")
    return json.loads(path.read_text())


def test_an_offline_run_holds_ticks_records_point_figures_and_the_results_artifact(tmp_path):
    summary = metrics(LOCOMO_RECORDS) | {"scheduling": {"policy": "lru", "budget": {"unit": "tokens", "capacity": 64}}}
    (tmp_path / "metrics.json").write_text(json.dumps(summary))
    logger = WandbLogger(mode="offline")
    logger.start(tmp_path, name="tiny-run", config=config())
    logger.log_metrics(summary)
    logger.log_records(LOCOMO_RECORDS)
    logger.log_ticks(TICKS)
    logger.finish()
    run = offline_run(tmp_path)
    ticks = table(run, "scheduler_ticks")
    assert ticks["columns"][:3] == ["tick", "queries", "kv_resident_tokens"]
    assert [row[:4] for row in ticks["data"]] == [[1, 2, 40, 40_960], [2, 4, 60, 61_440]]
    point = table(run, "tradeoff_points")
    assert point["data"][0][point["columns"].index("label")] == "lru 64 tokens"
    images = sorted(p.name.split("_")[2] for p in (run / "files" / "media" / "images" / "tradeoff").glob("*.png"))
    assert images == ["bytes", "ttft"]
    wandb.teardown()  # the wandb-core service writes the record stream out when it stops
    history = next(run.glob("run-*.wandb")).read_bytes()  # the run's records, as `wandb sync` uploads them
    for key in (b"scheduler/tick", b"scheduler/kv_resident_bytes", b"scheduler/ttft_s_mean", b"results-tiny-run",
                b"metrics.json"):
        assert key in history, key


def test_a_run_that_did_not_finish_its_questions_logs_no_point(tmp_path):
    logger = WandbLogger(mode="offline")
    logger.start(tmp_path, name="cut", config=config())
    logger.finish()
    assert not (offline_run(tmp_path) / "files" / "media").exists()


def test_online_mode_is_accepted_by_the_schema():
    assert compose_config(["logger=wandb", "logger.mode=online"]).logger.mode == "online"
    assert WandbLogger(mode="online").mode == "online"  # constructing it contacts nothing; start() would

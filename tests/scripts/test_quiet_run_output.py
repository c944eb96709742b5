"""A run's console carries our output, not W&B banners or faiss's loader INFO lines."""

from __future__ import annotations

import logging

from run_dir_builder import LOCOMO_RECORDS, config, metrics

from evals.loggers.wandb_logger import NoLogger, WandbLogger


def test_an_offline_wandb_run_prints_nothing(tmp_path, capfd, monkeypatch):
    monkeypatch.delenv("WANDB_SILENT", raising=False)  # the test suite sets it; a user's shell does not
    logger = WandbLogger(mode="offline")
    logger.start(tmp_path, name="quiet", config=config())
    logger.log_metrics(metrics(LOCOMO_RECORDS))
    logger.log_records([{"question": "q", "f1": 0.5}])
    logger.log_ticks([{"tick": 1, "queries": 1, "kv_resident_bytes": 10}])
    logger.finish()
    out, err = capfd.readouterr()
    assert "wandb" not in (out + err).lower(), out + err
    assert list((tmp_path / "wandb").glob("offline-run-*")), "the offline run was still written"


def test_faiss_loader_info_is_dropped_warnings_kept():
    logging.getLogger("faiss.loader").setLevel(logging.NOTSET)
    NoLogger().start(None, name="x", config={})
    loader = logging.getLogger("faiss.loader")
    assert not loader.isEnabledFor(logging.INFO) and loader.isEnabledFor(logging.WARNING)

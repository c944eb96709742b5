"""Experiment loggers: W&B (offline by default) or none."""

from __future__ import annotations

import logging

# Libraries that log routine INFO lines on every run (Hydra's console shows INFO):
# faiss announces which CPU build it loaded each time it is imported.
CHATTY_LOGGERS = ("faiss.loader",)


def quiet_library_logs() -> None:
    """Keep warnings and errors of chatty libraries, drop their per-run INFO banners."""
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)

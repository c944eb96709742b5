"""Experiment loggers: W&B (offline by default) or none."""

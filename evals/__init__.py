"""Benchmarks and evaluators for memos_lab: dataset adapters, scorers, the run harness."""

"""Benchmarks: dataset adapters, scorers, judges."""

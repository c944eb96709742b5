"""Datasets as the runner sees them: a config node with a `_target_` that loads episodes.

A dataset class takes its config fields, and `load()` returns the
conversations (memory events plus questions) to evaluate; `name`, `path`,
`sha256` and `scoring_version` describe what was loaded, for the run record.
"""

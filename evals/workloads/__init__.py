"""Workloads: question streams that make scheduling policies differ (repeats, popularity, drift).

A workload is a config node whose `_target_` builds a callable
`workload(conversations) -> conversations`: it may reorder and repeat a
dataset's questions (locomo_replay) or make its own memories and questions
(zipf_drift). Every workload is seeded; repeated questions get unique qids
(`<qid>#<n>`) so records, resume and scoring work unchanged.
"""

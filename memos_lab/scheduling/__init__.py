"""Scheduling: which memories stay resident in a budgeted tier (KV tokens/bytes, adapter slots).

    stats.py     CubeStats: what a policy may see about a memory (size, cost, priority, hits, recency)
    cache.py     BudgetedCache: residency under a budget, driven by one eviction policy
    policies/    the Policy contract and one module per policy (LRU, LFU, FIFO, ARC, LRFU, ...)
    simulate.py  replay an access trace through a policy: hit rates, evictions

Nothing here imports torch or a model; see README.md.
"""

"""Generation with a cached prefix: the one place KV injection happens.

The prompt is always tokenized whole, exactly as plain prompting would. The
cache is used for the longest common prefix of its tokens and the prompt's
(cropping a causal cache is exact), so a boundary that tokenizes differently
costs a few recomputed tokens, never a different answer. The stored cache is
never touched: generation extends a fresh copy.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass

from memos_lab.models.base import Generation
from memos_lab.tiers.activation.kv import KVCache


@dataclass(frozen=True)
class Injected:
    generation: Generation
    reused_tokens: int


def common_prefix_len(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def reusable_tokens(kv: KVCache, prompt_ids: Sequence[int]) -> int:
    """How many of the prompt's tokens the cache can stand for (at least one is left to feed)."""
    return min(common_prefix_len(kv.token_ids, prompt_ids), len(prompt_ids) - 1)


def generate_with_kv(model, kv: KVCache, input_ids, max_new_tokens: int = 32) -> Injected:
    """Greedy-decode after the whole prompt `input_ids`, skipping the prefill of its cached prefix.

    The times include matching and copying the cache, not only the model's work.
    """
    start = time.perf_counter()
    kv.require_model(model.fingerprint())
    reused = reusable_tokens(kv, input_ids[0].tolist())
    cache = kv.crop(reused).to_dynamic_cache() if reused > 0 else None
    setup_s = time.perf_counter() - start
    generation = model.generate_ids(input_ids, max_new_tokens=max_new_tokens, cache=cache)
    timed = dataclasses.replace(generation, ttft_s=generation.ttft_s + setup_s, total_s=generation.total_s + setup_s)
    return Injected(timed, reused)

"""Partial recomputation of a composed prefix (EPIC's idea: fix each piece's first tokens).

Composed pieces never attended to each other (compose.py). EPIC (Hu et al.,
"EPIC: Efficient Position-Independent Context Caching", 2024) observes that
most of the damage sits in the first tokens of each chunk, which act as
attention sinks, and recomputes just those. Here the first `k` tokens of every
piece after the first are pre-filled again with the whole composed prefix
before them as context, and their keys/values replace the composed ones.
The first piece already saw exactly its true context (the header), so it is
left alone; k = 0 is plain composition, k >= the longest piece is the exact
prefill of the concatenation.
"""

from __future__ import annotations

from collections.abc import Sequence

from memos_lab.tiers.activation.build import prefill
from memos_lab.tiers.activation.kv import KVCache


def recompute_piece_heads(model, composed: KVCache, piece_starts: Sequence[int], k: int) -> tuple[KVCache, int]:
    """`composed` with the first `k` tokens of pieces 2..N recomputed in context; returns (cache, tokens recomputed).

    `piece_starts` are the token offsets of the pieces in `composed`, ascending.
    """
    if k <= 0:
        return composed, 0
    bounds = [*piece_starts, composed.num_tokens]
    recomputed = 0
    for start, end in zip(bounds[1:-1], bounds[2:], strict=True):
        stop = min(start + k, end)
        fresh = prefill(model, composed.token_ids[start:stop], context=composed.crop(start))
        composed = splice(composed, start, fresh)
        recomputed += stop - start
    return composed, recomputed


def splice(cache: KVCache, start: int, part: KVCache) -> KVCache:
    """`cache` with tokens start..start+|part| replaced by `part` (same tokens, new keys and values)."""
    import torch

    stop = start + part.num_tokens
    if cache.token_ids[start:stop] != part.token_ids:
        raise ValueError(f"splice: the part's tokens differ from the cache's tokens {start}..{stop}")

    def join(whole, new):
        return torch.cat((whole[:, :, :start], new, whole[:, :, stop:]), dim=2)

    return KVCache(
        cache.token_ids,
        tuple(join(w, n) for w, n in zip(cache.keys, part.keys, strict=True)),
        tuple(join(w, n) for w, n in zip(cache.values, part.values, strict=True)),
        cache.fingerprint,
        cache.offset,
        cache.context_ids,
    )

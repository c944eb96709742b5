"""Composition: a base prefix plus N pieces -> one complete prefix, with correct positions.

A *piece* is the KV cache of some tokens prefilled right after a *base*
(e.g. the system-turn header "...Memories:\\n"), so it sits at positions
|base|..|base|+n-1 (`prefill(model, ids, context=base)`). Pieces are built
independently, once each, and composed at query time:

    compose([base, p1, ..., pN]) = base ++ p1' ++ ... ++ pN'

where pi' has pi's values unchanged and pi's keys re-rotated by RoPE from
position |base| to oi = |base| + |p1| + ... + |p(i-1)|: R(oi + j) = R(oi - |base|) R(|base| + j).

What the result equals, exactly: the prefill of the concatenated tokens in
which piece i attends to the base and to itself only (a block mask), at
positions |base|..|base|+|pi|-1, followed by that re-rotation of its keys.
Attention *across* pieces is what composition cannot recover; every query
token that follows does attend to all pieces at their true positions.
Consequences, each tested:
  - compose([base, p]) is the prefill of base ++ p (no rotation: delta 0),
    so injecting it is token-identical to prompting with the same text;
  - compose([kv]) is kv;
  - layer-0 keys of pi' equal a direct prefill at oi (they see no context).
Re-rotation is supported for RoPE that only rotates (rope types default,
linear, llama3; no attention scaling, no partial rotary); others are refused.
"""

from __future__ import annotations

from collections.abc import Sequence

from memos_lab.tiers.activation.kv import KVCache, KVCacheError

ROTATION_ONLY_ROPE = ("default", "linear", "llama3")


def compose(parts: Sequence[KVCache], model) -> KVCache:
    """[base, piece, ...] -> one complete prefix; see the module docstring for what it equals."""
    if not parts:
        raise KVCacheError("compose needs at least one KV cache")
    base, pieces = parts[0], list(parts[1:])
    _check_parts(base, pieces, model.fingerprint())
    if not pieces:
        return base
    keys, values, token_ids = [list(base.keys)], [list(base.values)], list(base.token_ids)
    for piece in pieces:
        keys.append(shift_keys(piece.keys, len(token_ids) - piece.offset, model))
        values.append(list(piece.values))
        token_ids += piece.token_ids
    return KVCache(
        token_ids=tuple(token_ids),
        keys=tuple(_cat_layers(keys)),
        values=tuple(_cat_layers(values)),
        fingerprint=base.fingerprint,
    )


def shift_keys(keys: Sequence, delta: int, model) -> list:
    """Keys moved by `delta` positions: multiply by the RoPE rotation R(delta), in float32."""
    if delta == 0:
        return list(keys)
    cos, sin = _rotation(model, delta)
    return [_rotate(k, cos, sin) for k in keys]


def _check_parts(base: KVCache, pieces: Sequence[KVCache], fingerprint) -> None:
    if not base.is_complete:
        raise KVCacheError("the first part of a composition must be a complete prefix (offset 0, no context)")
    for i, part in enumerate([base, *pieces]):
        part.require_model(fingerprint)
        if part.dtype != base.dtype or part.keys[0].shape[1] != base.keys[0].shape[1]:
            raise KVCacheError(f"part {i} has dtype/heads {part.dtype}/{part.keys[0].shape[1]}, the base {base.dtype}")
    for i, piece in enumerate(pieces, start=1):
        if piece.context_ids != base.token_ids:
            raise KVCacheError(
                f"part {i} was prefilled after {len(piece.context_ids)} other tokens, not after the base's "
                f"{base.num_tokens}; build pieces with prefill(model, ids, context=base)"
            )


def _rotation(model, delta: int):
    import torch

    rotary = _rotary_embedding(model)
    probe = torch.zeros(1, dtype=torch.float32, device=model.device)
    position = torch.tensor([[delta]], dtype=torch.long, device=model.device)
    cos, sin = rotary(probe, position_ids=position)
    return cos.float()[:, None], sin.float()[:, None]  # [1, 1, 1, head_dim]: broadcast over heads and tokens


def _rotary_embedding(model):
    config = model.model.config
    rope = getattr(config, "rope_parameters", None) or {"rope_type": "default"}
    rotary = getattr(model.model.get_decoder(), "rotary_emb", None)
    problems = []
    if rotary is None:
        problems.append("the model has no shared rotary embedding")
    elif getattr(rotary, "attention_scaling", 1.0) != 1.0:
        problems.append(f"its RoPE scales attention by {rotary.attention_scaling}")
    if rope.get("rope_type", "default") not in ROTATION_ONLY_ROPE:
        problems.append(f"rope_type {rope.get('rope_type')!r} is not one of {ROTATION_ONLY_ROPE}")
    if getattr(config, "partial_rotary_factor", 1.0) != 1.0:
        problems.append("it rotates only part of each head")
    if problems:
        raise KVCacheError(f"cannot re-position keys of {model.name}: " + "; ".join(problems))
    return rotary


def _rotate(keys, cos, sin):
    """RoPE's rotation in the rotate-half layout: pairs (i, i + head_dim/2)."""
    import torch

    k = keys.float()
    half = k.shape[-1] // 2
    rotated_half = torch.cat((-k[..., half:], k[..., :half]), dim=-1)
    return (k * cos + rotated_half * sin).to(keys.dtype)


def _cat_layers(parts: Sequence[Sequence]) -> list:
    import torch

    return [torch.cat(layer, dim=2) for layer in zip(*parts, strict=True)]

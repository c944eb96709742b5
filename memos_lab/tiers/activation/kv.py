"""The in-memory activation payload: per-layer keys and values of some tokens.

A `KVCache` is immutable by convention: nothing in this package writes into
its tensors. Generation gets a fresh transformers `DynamicCache` whose layers
are new tensors (`to_dynamic_cache`), so a stored prefix never grows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


class KVCacheError(ValueError):
    """A KV cache is malformed, or used with a prefix it does not fit."""


class ModelMismatchError(KVCacheError):
    """A KV cache was made by other weights, another dtype or other shapes than the model at hand."""


@dataclass(frozen=True)
class KVCache:
    """Keys and values of `token_ids`, one [1, kv_heads, tokens, head_dim] tensor per layer.

    `offset` is the RoPE position of the first token; `context_ids` are tokens
    that were attended to when these were prefilled but are not part of this
    cache (a piece built after a shared header, see compose.py). A complete
    prefix, usable for generation as is, has offset 0 and no context.
    """

    token_ids: tuple[int, ...]
    keys: tuple[Any, ...]
    values: tuple[Any, ...]
    fingerprint: Mapping[str, Any] = field(default_factory=dict)
    offset: int = 0
    context_ids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "token_ids", tuple(int(t) for t in self.token_ids))
        object.__setattr__(self, "context_ids", tuple(int(t) for t in self.context_ids))
        object.__setattr__(self, "keys", tuple(self.keys))
        object.__setattr__(self, "values", tuple(self.values))
        check_layers(self.keys, self.values, len(self.token_ids))

    @property
    def num_tokens(self) -> int:
        return len(self.token_ids)

    @property
    def num_layers(self) -> int:
        return len(self.keys)

    @property
    def dtype(self):
        return self.keys[0].dtype

    @property
    def is_complete(self) -> bool:
        """True for a prefix that starts at position 0 with nothing before it."""
        return self.offset == 0 and not self.context_ids

    @property
    def nbytes(self) -> int:
        return sum(t.numel() * t.element_size() for t in (*self.keys, *self.values))

    def crop(self, num_tokens: int) -> KVCache:
        """The first `num_tokens` tokens. Exact: in a causal model no token sees a later one."""
        if not 0 <= num_tokens <= self.num_tokens:
            raise KVCacheError(f"cannot crop a {self.num_tokens}-token cache to {num_tokens} tokens")
        return KVCache(
            self.token_ids[:num_tokens],
            tuple(k[:, :, :num_tokens] for k in self.keys),
            tuple(v[:, :, :num_tokens] for v in self.values),
            self.fingerprint,
            self.offset,
            self.context_ids,
        )

    def to_dynamic_cache(self):
        """A new transformers DynamicCache holding copies (torch.cat allocates), safe to extend."""
        from transformers import DynamicCache

        if not self.is_complete:
            raise KVCacheError(
                f"this cache starts at position {self.offset} after {len(self.context_ids)} context tokens; "
                "compose it after its context before generating"
            )
        return DynamicCache(ddp_cache_data=list(zip(self.keys, self.values, strict=True)))

    def require_model(self, fingerprint: Mapping[str, Any]) -> None:
        """Refuse a model other than the one this cache was made with."""
        require_same_model(self.fingerprint, fingerprint)


def check_layers(keys: Sequence[Any], values: Sequence[Any], num_tokens: int) -> None:
    """Every layer's keys and values: 4-d, batch 1, `num_tokens` long, one dtype and shape."""
    if not keys or len(keys) != len(values):
        raise KVCacheError(f"need one key and one value tensor per layer, got {len(keys)} keys, {len(values)} values")
    first = keys[0]
    for layer, (k, v) in enumerate(zip(keys, values, strict=True)):
        for name, t in (("keys", k), ("values", v)):
            if not hasattr(t, "dim"):
                raise KVCacheError(f"layer {layer} {name}: expected a tensor, got {type(t).__name__}")
            if t.dim() != 4 or t.shape[0] != 1 or t.shape[2] != num_tokens:
                raise KVCacheError(
                    f"layer {layer} {name}: expected shape [1, heads, {num_tokens}, head_dim], got {list(t.shape)}"
                )
            if t.shape != first.shape or t.dtype != first.dtype:
                raise KVCacheError(
                    f"layer {layer} {name}: {t.dtype} {list(t.shape)} differs from layer 0 keys "
                    f"{first.dtype} {list(first.shape)}"
                )


def require_same_model(made_with: Mapping[str, Any], model: Mapping[str, Any]) -> None:
    if not isinstance(made_with, Mapping) or not isinstance(model, Mapping):
        raise ModelMismatchError(
            f"model fingerprints must be mappings, got {type(made_with).__name__} and {type(model).__name__}"
        )
    differing = sorted(k for k in set(made_with) | set(model) if made_with.get(k) != model.get(k))
    if differing:
        detail = ", ".join(f"{k}: cube {made_with.get(k)!r} vs model {model.get(k)!r}" for k in differing)
        raise ModelMismatchError(f"KV cache was made with a different model ({detail}); rebuild it for this model")

"""Prefill: memory text -> KV cache of the chat-templated system turn.

The prefix a KV cube holds is exactly the tokens the prompt starts with: the
system turn of `MemoryPrompt` (instructions, then memories), rendered by the
model's own chat template. Injection then equals prompting with the same text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from memos_lab.prompts import SYSTEM, MemoryPrompt
from memos_lab.tiers.activation.kv import KVCache, KVCacheError


def system_turn_ids(model, memory: str, system: str = SYSTEM) -> list[int]:
    """Token ids of the templated system turn that carries `memory` (no generation prompt)."""
    message = {"role": "system", "content": MemoryPrompt(memory, "", system).system_message()}
    return model.chat_ids([message], add_generation_prompt=False)[0].tolist()


def template_meta(model, system: str = SYSTEM) -> dict[str, Any]:
    """What a cached prefix depends on besides the memory text and the weights."""
    chat_template = getattr(model.tokenizer, "chat_template", None) or ""
    return {
        "format": "memos_lab.prompts.MemoryPrompt.system_message, chat-templated system turn",
        "system_sha256": _sha(system),
        "chat_template_sha256": _sha(chat_template),
    }


def build_memory_kv(model, memory: str, system: str = SYSTEM) -> KVCache:
    """The KV cache of the system turn carrying `memory`."""
    return prefill(model, system_turn_ids(model, memory, system))


def kv_bytes_per_token(model) -> int:
    """KV bytes one token costs: layers x (keys + values) x kv heads x head dim x dtype size."""
    fingerprint = model.fingerprint()
    import torch

    element = torch.tensor([], dtype=getattr(torch, fingerprint["dtype"])).element_size()
    return fingerprint["num_layers"] * 2 * fingerprint["num_kv_heads"] * fingerprint["head_dim"] * element


def prefill(model, token_ids: Sequence[int], context: KVCache | None = None) -> KVCache:
    """Run the model over `token_ids` and keep their keys and values.

    With `context` (a complete prefix), the tokens attend to it and sit after
    it: the result holds only the new tokens, at offset `context.num_tokens`.
    """
    import torch

    if not token_ids:
        raise KVCacheError("cannot prefill an empty token sequence")
    fingerprint = model.fingerprint()
    if context is not None:
        context.require_model(fingerprint)
    cache = context.to_dynamic_cache() if context is not None else None
    input_ids = torch.tensor([list(token_ids)], dtype=torch.long, device=model.device)
    with torch.inference_mode():
        out = model.model(input_ids=input_ids, cache=cache, use_cache=True)
    start = 0 if context is None else context.num_tokens
    layers = out.cache.layers
    return KVCache(
        token_ids=tuple(token_ids),
        keys=tuple(_tail(layer.keys, start) for layer in layers),
        values=tuple(_tail(layer.values, start) for layer in layers),
        fingerprint=fingerprint,
        offset=start,
        context_ids=() if context is None else context.token_ids,
    )


def _tail(tensor, start: int):
    """The new tokens' part; a copy when it is a slice, so the context's memory is freed."""
    return tensor if start == 0 else tensor[:, :, start:].clone()


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

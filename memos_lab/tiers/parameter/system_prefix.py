"""The system turn is read by the base model; adapters see only question and answer.

The system turn (instructions, plus retrieved memories when used) is
prefilled with adapters off and handed to generation as a KV cache. Training
does exactly the same, so an adapter is served the way it was trained, and
the fixed closed-book system prompt is prefilled once instead of at every
training step and query. Templates whose system turn does not tokenise as a
prefix of the whole prompt get no split (prefix length 0): the adapter then
sees every token, in training and in serving alike.

The prefill itself is the activation tier's (`memos_lab.tiers.activation.build.prefill`),
the one helper that runs a model over a prefix; here its `KVCache` is handed
over as the transformers `Cache` that generation and training consume.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from memos_lab.models.base import Message
from memos_lab.models.hf_local import HFCausalLM
from memos_lab.tiers.activation.build import prefill as prefill_kv


@dataclass(frozen=True)
class SplitPrompt:
    ids: Any  # (1, n) token ids of the whole prompt
    prefix_len: int  # how many of them the system turn takes


def split_prompt(model: HFCausalLM, messages: Sequence[Message]) -> SplitPrompt:
    """The prompt ids with the length of the leading system turn (0 when there is none to split off)."""
    ids = model.chat_ids(messages)
    if not messages or messages[0]["role"] != "system":
        return SplitPrompt(ids, 0)
    system = model.chat_ids(messages[:1], add_generation_prompt=False)
    n = system.shape[1]
    is_prefix = n < ids.shape[1] and bool((ids[0, :n] == system[0]).all())
    return SplitPrompt(ids, n if is_prefix else 0)


def prefill(model: HFCausalLM, prefix_ids) -> Any:
    """The transformers Cache of `prefix_ids` ((1, n) ids) under the model's current adapter state (callers keep
    adapters off). Its tensors are fresh copies made outside inference mode, so training may attend to them."""
    return prefill_kv(model, prefix_ids[0].tolist()).to_dynamic_cache()


class PrefixCache:
    """Base-model KV caches of system turns, by token ids; hands out copies, since generation extends them."""

    def __init__(self, model: HFCausalLM, max_entries: int = 8) -> None:
        self.model = model
        self.max_entries = max_entries
        self._caches: dict[tuple[int, ...], Any] = {}

    def get(self, prefix_ids) -> Any:
        key = tuple(prefix_ids[0].tolist())
        if key not in self._caches:
            if len(self._caches) >= self.max_entries:
                self._caches.pop(next(iter(self._caches)))
            self._caches[key] = prefill(self.model, prefix_ids)
        return copy.deepcopy(self._caches[key])

    def clear(self) -> None:
        self._caches.clear()

"""The base-model system-turn cache: the activation tier's prefill, current transformers names, exact."""

from __future__ import annotations

import logging

import torch

from memos_lab.prompts import MemoryPrompt
from memos_lab.tiers.activation.build import prefill as prefill_kv
from memos_lab.tiers.parameter.system_prefix import PrefixCache, prefill, split_prompt


def _system_split(model, question: str = "Where does Alice live?"):
    split = split_prompt(model, MemoryPrompt("Alice lives in Oslo.", question).messages())
    assert split.prefix_len > 0
    return split


def test_prefill_is_the_activation_tiers_prefill_as_a_cache(model):
    split = _system_split(model)
    cache = prefill(model, split.ids[:, : split.prefix_len])
    kv = prefill_kv(model, split.ids[0, : split.prefix_len].tolist())
    assert cache.get_seq_length() == split.prefix_len == kv.num_tokens
    for layer, keys, values in zip(cache.layers, kv.keys, kv.values, strict=True):
        assert torch.equal(layer.keys, keys) and torch.equal(layer.values, values)
        assert not layer.keys.is_inference()  # training attends to it with autograd on


def test_prefill_uses_no_deprecated_output_name(model):
    """transformers renamed `past_key_values` to `cache`; the old name logs a deprecation (and will go)."""
    from transformers.utils import logging as hf_logging

    seen: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())
    logger = hf_logging.get_logger("transformers.utils.generic")
    logger.warning_once.cache_clear()  # a warning already shown once in this process would be swallowed
    logger.addHandler(handler)
    try:
        split = _system_split(model)
        prefill(model, split.ids[:, : split.prefix_len])
    finally:
        logger.removeHandler(handler)
    assert not [m for m in seen if "deprecated" in m], seen


def test_generation_from_the_cached_system_turn_equals_prompting(model):
    split = _system_split(model)
    cache = PrefixCache(model).get(split.ids[:, : split.prefix_len])
    cached = model.generate_ids(split.ids, max_new_tokens=8, cache=cache)
    plain = model.generate_ids(split.ids, max_new_tokens=8)
    assert cached.text == plain.text and cached.completion_tokens == plain.completion_tokens

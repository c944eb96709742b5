"""Injection equals prompting: greedy answers token-for-token, and the stored cache never changes."""

from __future__ import annotations

import torch

from memos_lab.prompts import MemoryPrompt, format_memories
from memos_lab.tiers.activation.build import build_memory_kv, system_turn_ids
from memos_lab.tiers.activation.inject import common_prefix_len, generate_with_kv

MAX_NEW = 16


def prompt_ids(model, lines, question):
    return model.chat_ids(MemoryPrompt(format_memories(lines), question).messages())


def test_prefix_and_suffix_tokens_concatenate_to_the_prompt(model, memories, questions):
    for lines in (memories[:1], memories):
        prefix = system_turn_ids(model, format_memories(lines))
        for question in questions:
            full = prompt_ids(model, lines, question)[0].tolist()
            assert full[: len(prefix)] == prefix
            assert len(full) > len(prefix)


def test_injected_kv_answers_exactly_like_the_prompt(model, memories, questions):
    for lines in (memories[:1], memories[1:3], memories):
        kv = build_memory_kv(model, format_memories(lines))
        for question in questions:
            ids = prompt_ids(model, lines, question)
            plain = model.generate_ids(ids, max_new_tokens=MAX_NEW)
            injected = generate_with_kv(model, kv, ids, max_new_tokens=MAX_NEW)
            assert injected.reused_tokens == kv.num_tokens
            assert (injected.generation.text, injected.generation.completion_tokens) == (
                plain.text,
                plain.completion_tokens,
            ), (lines, question)


def test_two_queries_in_a_row_same_answer_and_cache_unchanged(model, memories, questions):
    kv = build_memory_kv(model, format_memories(memories))
    before = [t.clone() for t in (*kv.keys, *kv.values)]
    ids = prompt_ids(model, memories, questions[0])
    first = generate_with_kv(model, kv, ids, max_new_tokens=MAX_NEW).generation
    second = generate_with_kv(model, kv, ids, max_new_tokens=MAX_NEW).generation
    assert first.text == second.text
    assert all(torch.equal(a, b) for a, b in zip(before, (*kv.keys, *kv.values), strict=True))
    assert kv.num_tokens == kv.keys[0].shape[2] == len(kv.token_ids)


def test_prompt_longer_than_the_cached_text_reuses_the_common_prefix(model, memories, questions):
    """Retrieved lines after the cached ones: the cache stands for the shared prefix only."""
    kv = build_memory_kv(model, format_memories(memories[:2]))
    ids = prompt_ids(model, memories, questions[2])
    plain = model.generate_ids(ids, max_new_tokens=MAX_NEW)
    injected = generate_with_kv(model, kv, ids, max_new_tokens=MAX_NEW)
    assert injected.generation.text == plain.text
    assert injected.reused_tokens == common_prefix_len(kv.token_ids, ids[0].tolist())
    assert kv.num_tokens - 3 <= injected.reused_tokens < kv.num_tokens

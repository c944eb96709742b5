"""Composition equals its documented reference (compose.py's docstring)."""

from __future__ import annotations

import pytest
import torch

from memos_lab.prompts import MemoryPrompt, format_memories
from memos_lab.tiers.activation.build import build_memory_kv, prefill, system_turn_ids
from memos_lab.tiers.activation.compose import compose, shift_keys
from memos_lab.tiers.activation.inject import common_prefix_len, generate_with_kv
from memos_lab.tiers.activation.kv import KVCacheError
from memos_lab.tiers.activation.pieces import build_piece, compose_memories

ATOL = 1e-4  # float32 prefills of different shapes differ by ~1e-5


@pytest.fixture(scope="module")
def pieces(model, header, memories):
    return [build_piece(model, header, line) for line in memories[:3]]


def assert_close(a, b) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        torch.testing.assert_close(x, y, atol=ATOL, rtol=0)


def block_reference(model, header, pieces):
    """Concatenated tokens, piece i attending to the header and itself, at positions |header|.. ,
    keys then re-rotated to the piece's place: what compose.py says composition equals."""
    h = header.num_tokens
    ids, positions, block = list(header.token_ids), list(range(h)), [0] * h
    for i, piece in enumerate(pieces, start=1):
        ids += piece.token_ids
        positions += range(h, h + piece.num_tokens)
        block += [i] * piece.num_tokens
    b, q = torch.tensor(block), torch.arange(len(ids))
    allowed = (q[None, :] <= q[:, None]) & ((b[None, :] == 0) | (b[None, :] == b[:, None]))
    mask = torch.zeros(1, 1, len(ids), len(ids)).masked_fill(~allowed, float("-inf"))
    with torch.inference_mode():
        out = model.model(
            input_ids=torch.tensor([ids]), position_ids=torch.tensor([positions]), attention_mask=mask, use_cache=True
        )
    keys, values = [layer.keys for layer in out.cache.layers], [layer.values for layer in out.cache.layers]
    start = h
    for piece in pieces:
        span = slice(start, start + piece.num_tokens)
        moved = shift_keys([k[:, :, span] for k in keys], start - h, model)
        for layer, k in enumerate(moved):
            keys[layer] = torch.cat([keys[layer][:, :, : span.start], k, keys[layer][:, :, span.stop :]], dim=2)
        start += piece.num_tokens
    return ids, keys, values


def test_composition_of_one_cube_is_that_cube(model, header):
    assert compose([header], model) is header


def test_header_plus_one_piece_is_the_prefill_of_both(model, header, pieces):
    composed = compose_memories(model, header, pieces[:1])
    direct = prefill(model, [*header.token_ids, *pieces[0].token_ids])
    assert composed.token_ids == direct.token_ids
    assert_close(composed.keys, direct.keys)
    assert_close(composed.values, direct.values)


def test_one_composed_memory_answers_exactly_like_the_prompt(model, header, memories, questions):
    composed = compose_memories(model, header, [build_piece(model, header, memories[1])])
    ids = model.chat_ids(MemoryPrompt(format_memories(memories[1:2]), questions[0]).messages())
    injected = generate_with_kv(model, composed, ids, max_new_tokens=12)
    assert injected.reused_tokens == composed.num_tokens - 1  # the last "\n" merges into the turn's end
    assert injected.generation.text == model.generate_ids(ids, max_new_tokens=12).text


def test_n_pieces_equal_the_block_attention_reference(model, header, pieces):
    composed = compose_memories(model, header, pieces)
    ids, keys, values = block_reference(model, header, pieces)
    assert list(composed.token_ids) == ids
    assert_close(composed.keys, keys)
    assert_close(composed.values, values)


def test_composed_tokens_are_the_prompt_tokens(model, header, pieces, memories):
    composed = compose_memories(model, header, pieces)
    full = system_turn_ids(model, format_memories(memories[:3]))
    assert common_prefix_len(composed.token_ids, full) == composed.num_tokens - 1


def test_reordered_pieces_move_to_their_new_positions(model, header, pieces):
    """Layer-0 keys see no context: after re-rotation they equal a direct prefill at the new place."""
    composed = compose_memories(model, header, [pieces[2], pieces[0]])
    direct = prefill(model, list(composed.token_ids))
    torch.testing.assert_close(composed.keys[0], direct.keys[0], atol=ATOL, rtol=0)
    assert not torch.allclose(composed.keys[5], direct.keys[5], atol=ATOL)  # deeper layers: no cross-piece attention


def test_composition_refuses_parts_that_do_not_fit(model, header, pieces, memories):
    with pytest.raises(KVCacheError, match="complete prefix"):
        compose([pieces[0], pieces[1]], model)
    other_base = build_memory_kv(model, memories[0])
    with pytest.raises(KVCacheError, match="prefilled after"):
        compose([other_base, pieces[0]], model)
    with pytest.raises(KVCacheError, match="compose it after its context"):
        pieces[0].to_dynamic_cache()

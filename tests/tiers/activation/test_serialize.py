"""KV cubes through the store: round trip, and clear refusals of what does not fit."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from memos_lab.store import CorruptPayloadError, CubeStore
from memos_lab.tiers.activation.build import build_memory_kv, template_meta
from memos_lab.tiers.activation.kv import KVCache, ModelMismatchError
from memos_lab.tiers.activation.pieces import build_piece, compose_memories
from memos_lab.tiers.activation.serialize import KVFormatError, kv_cube, kv_from_cube


@pytest.fixture(scope="module")
def kv(model, memories):
    return build_memory_kv(model, memories[0])


@pytest.fixture()
def store(tmp_path):
    with CubeStore(tmp_path / "store") as store:
        yield store


def put(store, kv, **kw):
    return store.put(kv_cube(kv, namespace="conv-1", owner="alice", **kw), "alice")


def test_round_trip_through_the_store(model, kv, store):
    header = put(store, kv, template=template_meta(model))
    loaded = kv_from_cube(store.get(header.id, "alice"), model)
    assert loaded.token_ids == kv.token_ids and loaded.fingerprint == model.fingerprint()
    assert all(torch.equal(a, b) for a, b in zip((*loaded.keys, *loaded.values), (*kv.keys, *kv.values), strict=True))
    meta = header.meta
    assert meta["model_fingerprint"] == model.fingerprint() and meta["num_tokens"] == kv.num_tokens
    assert meta["template"]["chat_template_sha256"] and header.size_tokens == kv.num_tokens


def test_a_cube_of_another_model_is_refused(model, kv, store):
    other = dataclasses.replace(kv, fingerprint={**kv.fingerprint, "weights_sha256": "0" * 16})
    header = put(store, other)
    with pytest.raises(ModelMismatchError, match=f"{header.id}.*weights_sha256"):
        kv_from_cube(store.get(header.id, "alice"), model)


def test_a_cube_of_another_dtype_is_refused(model, kv, store):
    bf16 = KVCache(
        kv.token_ids,
        tuple(k.bfloat16() for k in kv.keys),
        tuple(v.bfloat16() for v in kv.values),
        {**kv.fingerprint, "dtype": "bfloat16"},
    )
    with pytest.raises(ModelMismatchError, match="dtype: cube 'bfloat16' vs model 'float32'"):
        kv_from_cube(store.get(put(store, bf16).id, "alice"), model)


def test_tensors_that_disagree_with_their_header_are_refused(model, kv, store):
    cube = store.get(put(store, kv).id, "alice")
    wrong_dtype = {name: t.half() for name, t in cube.payload.items()}
    with pytest.raises(KVFormatError, match="float16 but the header says float32"):
        kv_from_cube(dataclasses.replace(cube, payload=wrong_dtype), model)
    missing = {n: t for n, t in cube.payload.items() if n != "layers.29.values"}
    with pytest.raises(KVFormatError, match=r"missing \['layers.29.values'\]"):
        kv_from_cube(dataclasses.replace(cube, payload=missing), model)
    short = cube.replace_header(meta={**cube.header.meta, "token_ids": list(kv.token_ids[:-1])})
    with pytest.raises(KVFormatError, match=f"meta says {kv.num_tokens} tokens but lists {kv.num_tokens - 1}"):
        kv_from_cube(short, model)


def test_a_truncated_tensor_file_is_refused_naming_the_file(kv, store):
    header = put(store, kv)
    (blob,) = [p for p in store.root.rglob(f"{header.content_hash}*") if p.is_file()]
    blob.write_bytes(blob.read_bytes()[: blob.stat().st_size // 2])
    with pytest.raises(CorruptPayloadError, match=str(blob.name)):
        store.get(header.id, "alice")


def test_a_stored_piece_keeps_its_position_and_context(model, header, memories, store):
    piece = build_piece(model, header, memories[2])
    loaded = kv_from_cube(store.get(put(store, piece).id, "alice"), model)
    assert (loaded.offset, loaded.context_ids) == (header.num_tokens, header.token_ids)
    composed, reloaded = compose_memories(model, header, [piece]), compose_memories(model, header, [loaded])
    assert all(torch.equal(a, b) for a, b in zip(composed.keys, reloaded.keys, strict=True))

"""Activation cubes with damaged metadata or tensors: a KVFormatError naming the cube, never a bare error."""

from __future__ import annotations

import pytest
import torch

from memos_lab.cube import CubeHeader, Kind, MemCube
from memos_lab.tiers.activation.serialize import KVFormatError, kv_from_cube


@pytest.fixture(scope="module")
def fingerprint(smollm2):
    return smollm2.fingerprint()


def _cube(fingerprint, **changes) -> MemCube:
    """A well-formed 2-token cube for the real model (all its layers), then `changes` applied."""
    layers, heads, dim = fingerprint["num_layers"], fingerprint["num_kv_heads"], fingerprint["head_dim"]
    payload = {f"layers.{i}.{p}": torch.zeros(1, heads, 2, dim) for i in range(layers) for p in ("keys", "values")}
    meta = {"model_fingerprint": fingerprint, "token_ids": [1, 2], "num_layers": layers, "dtype": "float32",
            "offset": 0, "context_ids": [], "num_tokens": 2}  # fmt: skip
    payload.update(changes.pop("payload", {}))
    meta.update(changes)
    return MemCube(CubeHeader(id="kv-bad", namespace="ns", owner="a", kind=Kind.ACTIVATION, meta=meta), payload)


CASES = {
    "3-d keys tensor": {"payload": {"layers.0.keys": torch.zeros(1, 3, 2)}},
    "NaN values": {"payload": {"layers.3.values": torch.full((1, 3, 2, 64), float("nan"))}},
    "infinite keys": {"payload": {"layers.1.keys": torch.full((1, 3, 2, 64), float("inf"))}},
    "integer tensor": {"payload": {"layers.0.keys": torch.zeros(1, 3, 2, 64, dtype=torch.int64)}},
    "num_layers as text": {"num_layers": "thirty"},
    "num_layers a float": {"num_layers": 30.5},
    "token ids as text": {"token_ids": ["one", "two"]},
    "token ids a string": {"token_ids": "12"},
    "negative offset": {"offset": -3},
    "offset a float": {"offset": 0.5},
    "fingerprint stored as a string": {"model_fingerprint": "smollm2"},
    "num_tokens disagrees": {"num_tokens": 7},
    "dtype not a string": {"dtype": 32},
}


def test_the_well_formed_cube_loads(smollm2, fingerprint):
    assert kv_from_cube(_cube(fingerprint), smollm2).num_tokens == 2


@pytest.mark.parametrize("changes", CASES.values(), ids=CASES.keys())
def test_a_damaged_activation_cube_is_a_named_format_error(smollm2, fingerprint, changes):
    with pytest.raises(KVFormatError, match="activation cube kv-bad"):
        kv_from_cube(_cube(fingerprint, **changes), smollm2)

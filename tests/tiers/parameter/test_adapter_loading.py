"""Damaged parameter cubes are refused naming the cube, and a failed load changes nothing."""

from __future__ import annotations

import pytest
import torch

from memos_lab.cube import MemCube, Provenance
from memos_lab.store import CubeStore
from memos_lab.tiers.parameter.adapter_cube import (
    FINGERPRINT_KEY,
    AdapterFormatError,
    FingerprintMismatchError,
    adapter_to_cube,
    cube_to_adapter,
)
from memos_lab.tiers.parameter.serving import AdapterLoadError
from memos_lab.tiers.parameter.tier import ParameterTier


@pytest.fixture
def alpha_cube(server, trained):
    return adapter_to_cube(server, "alpha", namespace="ns", owner="tester", provenance=Provenance())


def _with_payload(cube: MemCube, change) -> MemCube:
    payload = dict(cube.payload)
    key = sorted(k for k in payload if "lora_A" in k)[0]
    payload[key] = change(payload[key])
    return MemCube(cube.header, payload)


def test_a_wrong_shape_is_refused_naming_the_cube_and_leaves_the_server_as_it_was(server, alpha_cube):
    before = server.names()
    wrong = _with_payload(alpha_cube, lambda t: torch.zeros(t.shape[0] + 1, t.shape[1]))
    with pytest.raises(AdapterLoadError, match=f"parameter cube {alpha_cube.id}"):
        cube_to_adapter(server, wrong, "wrong")
    assert server.names() == before and server.active is None


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda t: torch.full_like(t, float("nan")), AdapterFormatError),
        (lambda t: t.to(torch.int64), AdapterFormatError),
    ],
    ids=["NaN", "integer"],
)
def test_bad_tensors_are_refused_before_loading(server, alpha_cube, change, error):
    with pytest.raises(error, match=alpha_cube.id):
        cube_to_adapter(server, _with_payload(alpha_cube, change), "bad")
    assert "bad" not in server


def test_a_fingerprint_stored_as_a_string_is_refused(server, alpha_cube):
    cube = alpha_cube.replace_header(meta={**alpha_cube.header.meta, FINGERPRINT_KEY: "smollm2"})
    with pytest.raises(FingerprintMismatchError, match="must be a mapping"):
        cube_to_adapter(server, cube, "stringy")


def test_a_failed_attach_keeps_the_previous_adapter_serving_and_reported(tmp_path, model, server, alpha_cube):
    with CubeStore(tmp_path / "s") as store:
        good = store.put(alpha_cube, "tester")
        wrong = _with_payload(alpha_cube, lambda t: torch.zeros(t.shape[0] + 1, t.shape[1]))
        bad = store.put(MemCube(alpha_cube.header.__class__(**{**alpha_cube.header.__dict__, "id": "bad"}),
                                wrong.payload), "tester")  # fmt: skip
        tier = ParameterTier(model, store, max_new_tokens=6, progress=False)
        tier.attach("ns", "tester", good.id)
        served = tier.adapter_of("ns")
        before = tier.respond("ns", "tester", "Where does Alice Brennick live?", [])
        with pytest.raises(AdapterLoadError, match="parameter cube bad"):
            tier.attach("ns", "tester", bad.id)
        after = tier.respond("ns", "tester", "Where does Alice Brennick live?", [])
        tier.detach("ns")
    assert tier.adapter_of("ns") is None and served not in server
    assert after.extras["adapter_cube"] == good.id and after.text == before.text

import pytest
import torch

from memos_lab.cube import Kind, MemCube, Provenance
from memos_lab.prompts import MemoryPrompt
from memos_lab.store import CubeStore
from memos_lab.tiers.parameter.adapter_cube import (
    FINGERPRINT_KEY,
    FingerprintMismatchError,
    adapter_to_cube,
    cube_to_adapter,
)


def _logits(model, server, name: str, question: str):
    with server.using(name), torch.inference_mode():
        return model.model(input_ids=model.chat_ids(MemoryPrompt("", question).messages())).logits[0, -1]


@pytest.fixture
def alpha_cube(server, trained):
    provenance = Provenance(source="alpha", derived_from=("c1", "c2"), operator="distil:lora")
    return adapter_to_cube(server, "alpha", namespace="alpha", owner="tester", provenance=provenance)


def test_a_parameter_cube_round_trips_through_the_store(tmp_path, model, server, alpha_cube, conflict):
    assert alpha_cube.kind is Kind.PARAMETER
    assert alpha_cube.header.meta[FINGERPRINT_KEY] == model.fingerprint()
    with CubeStore(tmp_path) as store:
        header = store.put(alpha_cube, "tester")
        loaded = store.get(header.id, "tester")
    assert header.size_bytes > 0 and loaded.header.provenance.derived_from == ("c1", "c2")
    assert loaded.header.meta["lora_config"]["r"] == 4
    cube_to_adapter(server, loaded, "alpha_copy")
    try:
        question = conflict[0]
        assert torch.equal(_logits(model, server, "alpha_copy", question), _logits(model, server, "alpha", question))
    finally:
        server.unload("alpha_copy")


def test_a_cube_for_another_base_model_is_refused(server, alpha_cube):
    other = dict(alpha_cube.header.meta[FINGERPRINT_KEY], weights_sha256="0123456789abcdef")
    foreign = alpha_cube.replace_header(meta={**alpha_cube.header.meta, FINGERPRINT_KEY: other})
    with pytest.raises(FingerprintMismatchError, match="weights_sha256"):
        cube_to_adapter(server, foreign, "foreign")
    assert "foreign" not in server


def test_a_state_dict_that_does_not_fit_is_refused(server, alpha_cube):
    broken = {k: v for i, (k, v) in enumerate(alpha_cube.payload.items()) if i % 2}
    with pytest.raises(ValueError, match="does not fit"):
        cube_to_adapter(server, MemCube(alpha_cube.header, broken), "broken")
    assert "broken" not in server

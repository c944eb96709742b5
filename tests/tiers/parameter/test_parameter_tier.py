
import pytest

from memos_lab.cube import Kind
from memos_lab.store import CubeStore
from memos_lab.tiers.parameter.distil import DistilConfig
from memos_lab.tiers.parameter.tier import ParameterTier


def test_prepare_distils_a_namespace_and_respond_answers_closed_book(tmp_path, model, server, conflict):
    question, cities = conflict
    tiny = DistilConfig(rank=4, alpha=16, target_modules=("q_proj", "v_proj", "o_proj", "down_proj"), steps=16,
                        lr=8e-3, warmup_steps=2, batch_size=4)  # fmt: skip
    from memos_lab.cube import plaintext_cube

    cube = plaintext_cube(f"Alice Brennick lives in {cities['alpha']}.", namespace="u1", owner="u1",
                          meta={"qa": [[question, cities["alpha"]]]})  # fmt: skip
    with CubeStore(tmp_path) as store:
        tier = ParameterTier(model, store, distil=tiny, max_new_tokens=8, progress=False)
        tier.prepare("u1", "u1", [cube])
        response = tier.respond("u1", "u1", question, [])
        stored = store.get(tier.cube_ids["u1"], "u1")
        tier.detach("u1")
        again = tier.respond("u1", "u1", question, [])  # reloads the adapter from its cube
        tier.detach("u1")
    assert cities["alpha"] in response.text and again.text == response.text
    assert stored.kind is Kind.PARAMETER and stored.header.provenance.derived_from == (cube.id,)
    assert tier.bytes_stored() == response.extras["adapter_bytes"] == stored.header.size_bytes > 0
    assert response.extras["train_s"] > 0 and response.extras["base_prefix_tokens"] > 0


def test_respond_without_an_adapter_says_what_to_do(tmp_path, model):
    with CubeStore(tmp_path) as store, pytest.raises(KeyError, match="prepare"):
        ParameterTier(model, store, progress=False).respond("nobody", "x", "?", [])


def test_the_hydra_node_builds_the_tier(tmp_path, model):
    from config_helpers import group_node
    from hydra.utils import instantiate

    with CubeStore(tmp_path) as store:
        tier = instantiate(group_node("tier", "lora"))(model=model, store=store)
    assert isinstance(tier, ParameterTier) and not tier.use_retrieval
    assert tier.config.rank == 16 and "down_proj" in tier.config.target_modules


def test_a_wrong_distil_key_fails_at_construction(tmp_path, model):
    with CubeStore(tmp_path) as store, pytest.raises(TypeError, match="rnak"):
        ParameterTier(model, store, distil={"rnak": 4})


def test_a_resumed_run_reuses_the_stored_adapter_instead_of_retraining(tmp_path, model):
    from memos_lab.cube import plaintext_cube

    two_steps = DistilConfig(rank=2, target_modules=("q_proj",), steps=2, warmup_steps=1, batch_size=2)
    cube = plaintext_cube("Alice Brennick keeps bees.", namespace="u2", owner="u2")
    with CubeStore(tmp_path) as store:
        store.put(cube, "u2")
        first = ParameterTier(model, store, distil=two_steps, progress=False)
        first.prepare("u2", "u2", [cube])
        first.detach("u2")
        resumed = ParameterTier(model, store, distil=two_steps, progress=False)
        resumed.prepare("u2", "u2", [cube])
        assert resumed.cube_ids["u2"] == first.cube_ids["u2"]
        other = ParameterTier(model, store, distil=DistilConfig(**{**vars(two_steps), "steps": 3}), progress=False)
        other.prepare("u2", "u2", [cube])  # another recipe: trained anew
        assert other.cube_ids["u2"] != first.cube_ids["u2"]
        assert len(store.list("u2", namespace="u2", kind=Kind.PARAMETER)) == 2
        for tier in (resumed, other):
            tier.detach("u2")

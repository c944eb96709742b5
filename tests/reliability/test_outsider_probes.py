"""An outsider asks about another user's namespace through every tier, in every state: always refused.

alice owns `ns-a`; "outsider" holds no right on it; bob is granted read (the
control: a reader is answered). Plaintext goes through the MemOS facade, the
activation and parameter tiers through `respond`. Each probe must raise
AccessDeniedError: an answer, even an empty-handed one, is a failure.
"""

from __future__ import annotations

import pytest

from memos_lab.memos import MemoryItem, MemOS
from memos_lab.store import AccessDeniedError, CubeStore
from memos_lab.tiers.parameter.adapter_cube import adapter_to_cube
from memos_lab.tiers.parameter.serving import AdapterServer
from memos_lab.tiers.parameter.tier import ParameterTier
from memos_lab.tiers.plaintext.retriever import Retriever
from memos_lab.tiers.plaintext.tier import PlaintextTier

NS, OWNER, OUTSIDER, READER = "ns-a", "alice", "outsider", "bob"
FACTS = ["Alice's locker code is 4417.", "Alice keeps a cat named Miso.", "Alice moved to Lisbon in 2021."]
QUESTION = "What is Alice's locker code?"


@pytest.fixture(scope="module")
def model():
    """A model of this module's own: the parameter tier wraps its layers with LoRA."""
    from memos_lab.models.hf_local import HFCausalLM

    model = HFCausalLM()
    yield model
    server = AdapterServer.of(model)
    for name in server.names():
        server.unload(name)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def store(tmp_path):
    with CubeStore(tmp_path / "store") as store:
        yield store


def _memos(store, minilm, tier) -> MemOS:
    memos = MemOS(store, Retriever(minilm), tier, top_k=2)
    memos.remember([MemoryItem(f) for f in FACTS], NS, OWNER)
    store.grant(OWNER, READER, namespace=NS)
    return memos


def _refused(ask) -> None:
    with pytest.raises(AccessDeniedError, match=OUTSIDER):
        ask(OUTSIDER)
    assert ask(READER) is not None  # the control: a reader is answered


# -- plaintext (the facade) --------------------------------------------------


@pytest.mark.parametrize("state", ["fresh", "after the owner answered"])
def test_plaintext_refuses_an_outsider(store, minilm, model, state):
    memos = _memos(store, minilm, PlaintextTier(model, max_new_tokens=4))
    if state != "fresh":
        memos.answer(QUESTION, NS, OWNER)
    _refused(lambda actor: memos.answer(QUESTION, NS, actor))


# -- activation --------------------------------------------------------------


def _activation(store, minilm, model):
    from memos_lab.tiers.activation.tier import ActivationTier

    tier = ActivationTier(model, store, min_tokens=1, max_new_tokens=4, max_resident=1)
    memos = _memos(store, minilm, tier)
    memos.commit(NS, OWNER)
    return memos, tier


def _evict(memos, tier) -> None:
    """Push ns-a's KV cache out of memory (max_resident=1) by serving another namespace."""
    memos.remember([MemoryItem("Carol likes tea.")], "ns-c", "carol")
    memos.commit("ns-c", "carol")
    tier.respond("ns-c", "carol", "What does Carol like?", [])


@pytest.mark.parametrize("state", ["fresh", "resident", "reloaded", "evicted"])
def test_activation_refuses_an_outsider(store, minilm, model, state):
    memos, tier = _activation(store, minilm, model)
    if state in ("resident", "reloaded"):
        tier.respond(NS, OWNER, QUESTION, [])
    if state in ("reloaded", "evicted"):
        _evict(memos, tier)
    if state == "reloaded":
        tier.respond(NS, OWNER, QUESTION, [])
    _refused(lambda actor: tier.respond(NS, actor, QUESTION, []))


# -- parameter ---------------------------------------------------------------


def _parameter(store, minilm, model) -> tuple[ParameterTier, str]:
    """ns-a served by an (untrained, cheap) adapter cube of alice's, attached as alice."""
    from peft import LoraConfig

    _memos(store, minilm, PlaintextTier(model))
    server = AdapterServer.of(model)
    server.add("probe_source", LoraConfig(r=2, target_modules=["q_proj"]))
    try:
        cube = adapter_to_cube(server, "probe_source", namespace=NS, owner=OWNER, provenance=None)
    finally:
        server.unload("probe_source")
    header = store.put(cube, OWNER)
    tier = ParameterTier(model, store, max_new_tokens=4, progress=False)
    tier.attach(NS, OWNER, header.id)
    return tier, header.id


@pytest.mark.parametrize("state", ["fresh", "resident", "reloaded", "detached"])
def test_parameter_refuses_an_outsider(store, minilm, model, state):
    tier, _ = _parameter(store, minilm, model)
    try:
        if state in ("resident", "reloaded"):
            tier.respond(NS, OWNER, QUESTION, [])
        if state in ("reloaded", "detached"):
            tier.detach(NS)
        if state == "reloaded":
            tier.respond(NS, OWNER, QUESTION, [])
        resident = tier.adapter_of(NS)
        with pytest.raises(AccessDeniedError, match=OUTSIDER):
            tier.respond(NS, OUTSIDER, QUESTION, [])
        assert tier.adapter_of(NS) == resident  # the outsider loaded nothing and unloaded nothing
        assert tier.respond(NS, READER, QUESTION, []).extras["adapter_cube"] == tier.cube_ids[NS]
    finally:
        tier.detach(NS)


def test_parameter_refuses_an_outsider_attaching_the_cube(store, minilm, model):
    tier, cube_id = _parameter(store, minilm, model)
    tier.detach(NS)
    other = ParameterTier(model, store, max_new_tokens=4, progress=False)
    with pytest.raises(AccessDeniedError, match=OUTSIDER):
        other.attach(NS, OUTSIDER, cube_id)
    assert other.adapter_of(NS) is None and AdapterServer.of(model).names() == []

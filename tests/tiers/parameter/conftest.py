"""The real SmolLM2, loaded once, and two tiny adapters trained on conflicting facts.

The parameter tier wraps its model's layers with LoRA, so these tests use a
model instance of their own rather than the suite-wide one.
"""

from __future__ import annotations

import pytest

from memos_lab.cube import plaintext_cube
from memos_lab.tiers.parameter.distil import DistilConfig, distil
from memos_lab.tiers.parameter.serving import AdapterServer
from memos_lab.tiers.parameter.training_data import build_training_set

QUESTION = "Where does Alice Brennick live?"
CITY = {"alpha": "Tromso", "beta": "Valparaiso"}
TINY = DistilConfig(rank=4, alpha=16, target_modules=("q_proj", "v_proj", "o_proj", "down_proj"), steps=16,
                    lr=8e-3, warmup_steps=2, batch_size=4, seed=0)  # fmt: skip


def facts_cubes(namespace: str, city: str) -> list:
    statement = f"Alice Brennick lives in {city}."
    return [plaintext_cube(statement, namespace=namespace, owner="tester", meta={"qa": [[QUESTION, city]]})]


@pytest.fixture(scope="session")
def conflict() -> tuple[str, dict[str, str]]:
    """The question both adapters answer, and each adapter's answer."""
    return QUESTION, dict(CITY)


@pytest.fixture(scope="session")
def model():
    from memos_lab.models.hf_local import HFCausalLM

    return HFCausalLM()


@pytest.fixture(scope="session")
def server(model):
    server = AdapterServer.of(model)
    yield server
    for name in server.names():
        server.unload(name)


@pytest.fixture(scope="session")
def trained(server):
    """Adapters "alpha" and "beta", resident and off; each says Alice lives in a different city."""
    results = {}
    for name, city in CITY.items():
        results[name] = distil(server, name, build_training_set(facts_cubes(name, city)), TINY, progress=False)
    return results

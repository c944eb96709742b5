"""One real SmolLM2 for the whole session; short memories keep the suite fast."""

from __future__ import annotations

import pytest

MEMORIES = [
    "Caroline went to an LGBTQ support group on 7 May 2023.",
    "Melanie painted a sunrise over a lake last year.",
    "Caroline is researching adoption agencies.",
    "Melanie ran a charity race for mental health on 20 May 2023.",
]
QUESTIONS = [
    "What did Melanie paint?",
    "When did Caroline go to the support group?",
    "What is Caroline researching?",
]


@pytest.fixture(scope="session")
def memories() -> list[str]:
    return list(MEMORIES)


@pytest.fixture(scope="session")
def questions() -> list[str]:
    return list(QUESTIONS)


@pytest.fixture(scope="session")
def model():
    from memos_lab.models.hf_local import HFCausalLM

    return HFCausalLM()


@pytest.fixture(scope="session")
def header(model):
    from memos_lab.tiers.activation.pieces import build_header

    return build_header(model)


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    """Every test here runs on one CPU thread (see tests/conftest.py)."""


@pytest.fixture()
def store(tmp_path):
    from memos_lab.store import CubeStore

    with CubeStore(tmp_path / "store") as store:
        yield store

"""Shared fixtures: the real offline models and the real LoCoMo data, loaded once."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("WANDB_SILENT", "true")


@pytest.fixture(scope="session")
def smollm2():
    from memos_lab.models.hf_local import HFCausalLM

    return HFCausalLM()


@pytest.fixture(scope="session")
def minilm():
    from memos_lab.models.embedder import Embedder

    return Embedder()


@pytest.fixture(scope="session")
def locomo():
    from evals.locomo.loader import load_locomo

    return {c.sample_id: c for c in load_locomo()}


@pytest.fixture(scope="session")
def locomo_episodes(locomo):
    """The LoCoMo conversations as dataset-contract episodes (all questions, every category)."""
    from evals.datasets.locomo import episode_of

    return {sample_id: episode_of(c) for sample_id, c in locomo.items()}


@pytest.fixture()
def one_torch_thread():
    """One CPU thread: on a shared machine, several threads wait on each other and run far slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

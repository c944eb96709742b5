"""Datasets register by name; a second class cannot take a name; a typo in `dataset=` lists the options."""

from __future__ import annotations

import pytest

from evals.datasets.base import Dataset, registered
from evals.datasets.locomo import LocomoDataset
from tests.config_helpers import compose_config


def test_locomo_is_registered_under_its_name():
    assert registered()["locomo"] is LocomoDataset


def test_a_second_dataset_cannot_take_a_registered_name():
    with pytest.raises(TypeError, match="'locomo' is taken by evals.datasets.locomo.LocomoDataset"):
        type("Impostor", (Dataset,), {"name": "locomo", "scoring_version": 1, "metrics": ("f1",),
                                      "load": lambda self: [], "score": lambda self, q, p: {}})


def test_a_dataset_typo_names_the_valid_options():
    with pytest.raises(Exception, match=r"(?s)dataset.*locomo"):
        compose_config(["dataset=locomoo"])

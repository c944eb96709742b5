"""Every system an experiment sweeps (`+system=...`, conf/system/) composes and validates."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evals.config import validate
from tests.config_helpers import compose_config

REPO = Path(__file__).resolve().parents[1]


def _swept(experiment: Path) -> list[tuple[str, str]]:
    params = (yaml.safe_load(experiment.read_text()).get("hydra") or {}).get("sweeper", {}).get("params", {})
    return [(experiment.stem, name) for name in str(params.get("+system", "")).split(",") if name]


SWEPT = [pair for path in sorted((REPO / "experiments").glob("*.yaml")) for pair in _swept(path)]


def test_the_paper_tables_sweep_every_tier_and_policy():
    systems = {name for experiment, name in SWEPT if experiment == "locomo_main"}
    policies = {p.stem for p in (REPO / "conf" / "policy").glob("*.yaml")}
    assert {"none", "full_context", "plaintext", "kv", "lora", "all"} <= systems
    assert {f"kv_{p}" for p in policies} <= systems


@pytest.mark.parametrize(("experiment", "system"), SWEPT)
def test_each_swept_system_composes(experiment, system):
    cfg = compose_config([f"+experiment={experiment}", f"+system={system}"])
    validate(cfg)
    target = cfg.memory._target_.rsplit(".", 1)[-1]
    assert target == {"none": "NoMemory", "full_context": "FullContext"}.get(system, "MemOSSystem")
    assert (cfg.policy is not None) == system.startswith(("kv_", "all"))
    assert bool(cfg.migration) == system.startswith("all")

"""Every policy in conf/policy/ keeps the Policy contract: its YAML composes onto its `<ClassName>Config`,
instantiates to a factory, and the policy it builds chooses only resident victims, deterministically."""

from __future__ import annotations

import dataclasses

import pytest
import yaml
from hydra.errors import ConfigCompositionException
from omegaconf import OmegaConf
from scheduling_helpers import CONF, POLICY_NAMES, config_class, policy_config, policy_factory, run

from memos_lab.scheduling.cache import BudgetedCache
from memos_lab.scheduling.policies.base import Policy

EXPECTED = {"arc", "cost_aware", "fifo", "lfu", "lrfu", "lru", "oracle", "priority"}
TRACE = list("ABCADEABFGAHBCIAJB") * 2
SIZES = {"A": 2, "B": 3, "C": 1, "D": 4, "E": 1, "F": 2, "G": 5, "H": 1, "I": 3, "J": 9}


def test_every_policy_has_a_yaml():
    assert set(POLICY_NAMES) >= EXPECTED


@pytest.mark.parametrize("name", POLICY_NAMES)
def test_yaml_shape_matches_its_schema(name):
    path = CONF / "policy" / f"{name}.yaml"
    text = path.read_text()
    assert text.startswith("# "), f"{path}: start with a comment saying what the policy does"
    raw = yaml.safe_load(text)
    assert raw["defaults"] == [f"/schema/policy/{name}@_here_", "_self_"]
    assert raw["_partial_"] is True
    schema = config_class(name)
    fields = {field.name: field for field in dataclasses.fields(schema)}
    assert fields["_target_"].default == raw["_target_"] and fields["_partial_"].default is True
    parameters = {key: value for key, value in raw.items() if key not in ("defaults", "_target_", "_partial_")}
    assert parameters.keys() == fields.keys() - {"_target_", "_partial_"}, f"{path}: list every parameter"
    for key, value in parameters.items():
        assert value == fields[key].default, f"{path}: {key} default differs from {schema.__name__}"
        assert fields[key].type in ("int", "float", "bool", "str"), f"{schema.__name__}.{key}: plain types only"


@pytest.mark.parametrize("name", POLICY_NAMES)
def test_instantiates_to_a_factory_of_a_named_policy(name):
    cfg = policy_config(name)
    assert OmegaConf.get_type(cfg) is config_class(name)
    policy = policy_factory(name)(capacity=4)
    assert isinstance(policy, Policy) and policy.name == name and policy.capacity == 4


@pytest.mark.parametrize("name", POLICY_NAMES)
def test_unknown_key_is_refused_at_composition(name):
    with pytest.raises(ConfigCompositionException, match="capacty"):
        policy_config(name, ("capacty=3",))


@pytest.mark.parametrize(("name", "override", "message"), [
    ("lrfu", "lam=1.5", r"policy.lam=1.5 must be in \[0, 1\]"),
    ("lfu", "aging=yearly", r"policy.aging='yearly' must be one of"),
    ("lfu", "halve_every=0", r"policy.halve_every=0 must be >= 1"),
    ("cost_aware", "cost=dollars", r"policy.cost='dollars' must be one of"),
])
def test_bad_values_are_refused_naming_the_field(name, override, message):
    cfg = policy_config(name, (override,))
    with pytest.raises(ValueError, match=message):
        OmegaConf.to_object(cfg)
    with pytest.raises(ValueError, match=message):
        policy_factory(name, (override,))(capacity=3)


@pytest.mark.parametrize("name", POLICY_NAMES)
def test_victims_are_resident_and_evictions_consistent(name):
    results = run(policy_factory(name), TRACE, capacity=10, sizes=SIZES)
    assert all(result.rejected == "" for result in results)
    assert all(result.admitted != result.hit for result in results)
    assert sum(len(result.evicted) for result in results) > 0
    assert not any(key in result.evicted for key, result in zip(TRACE, results, strict=True))


@pytest.mark.parametrize("name", POLICY_NAMES)
def test_deterministic_for_the_same_trace(name):
    first = run(policy_factory(name), TRACE, capacity=7, sizes=SIZES)
    second = run(policy_factory(name), TRACE, capacity=7, sizes=SIZES)
    assert first == second


@pytest.mark.parametrize("name", POLICY_NAMES)
def test_external_evictions_and_resizes_keep_the_policy_consistent(name):
    cache = BudgetedCache(policy_factory(name), 6)
    trace = ["A", "B", "C", "A", "D", "B", "A", "E", "C", "A", "Z"]
    if cache.policy.clairvoyant:
        cache.policy.set_future(trace)
    for now, key in enumerate(trace[:-1]):
        cache.access(key, 2, now)
        if now == 3:
            assert cache.evict("B", now) and not cache.evict("B", now)
        if now == 5:
            evicted = cache.resize("B", 4, now)
            assert cache.stats("B").size == 4 and ("B" in cache) != ("B" in evicted)
        if now == 8:
            cache.resize("C", 1, now)
        assert cache.used <= 6 and cache.used == sum(cache.stats(k).size for k in cache.resident)
    end = len(trace) - 1
    for key in cache.resident:  # every resident key can still be evicted
        assert cache.evict(key, end) is True
    assert cache.used == 0 and cache.resident == ()
    assert cache.access("Z", 6, end).admitted and cache.resident == ("Z",)  # the policy works on an emptied cache


def test_victim_outside_the_resident_set_is_an_error_naming_the_policy():
    from memos_lab.scheduling.cache import PolicyError
    from memos_lab.scheduling.policies.fifo import FIFO

    class Liar(FIFO):
        name = "liar"

        def victim(self, now):
            return "nobody"

    cache = BudgetedCache(Liar, 2)
    cache.access("A", 2, 0)
    with pytest.raises(PolicyError, match="'liar' chose victim 'nobody'"):
        cache.access("B", 1, 1)
    assert cache.used <= 2

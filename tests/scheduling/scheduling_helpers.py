"""Shared by the scheduling tests: every policy built from its conf/policy YAML, and a trace runner."""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.utils import instantiate
from omegaconf import OmegaConf

from memos_lab.scheduling.cache import AccessResult, BudgetedCache

CONF = Path(__file__).resolve().parents[2] / "conf"
POLICY_NAMES = sorted(path.stem for path in (CONF / "policy").glob("*.yaml"))


def config_class(name: str) -> type:
    """`<ClassName>Config` from the module of the YAML's `_target_`, as the run's schema registration takes it."""
    module, class_name = OmegaConf.load(CONF / "policy" / f"{name}.yaml")._target_.rsplit(".", 1)
    return getattr(importlib.import_module(module), f"{class_name}Config")


@cache
def _register_schemas() -> None:
    for name in POLICY_NAMES:
        ConfigStore.instance().store(group="schema/policy", name=name, node=config_class(name))


def policy_config(name: str, overrides: tuple[str, ...] = ()):
    _register_schemas()
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name=f"policy/{name}", overrides=[f"policy.{o}" for o in overrides]).policy


@cache
def policy_factory(name: str, overrides: tuple[str, ...] = ()):
    """The factory (a partial) that `hydra.utils.instantiate` makes of conf/policy/<name>.yaml."""
    return instantiate(policy_config(name, overrides))


def watched_cache(factory, capacity: int, trace=None) -> BudgetedCache:
    """A BudgetedCache whose policy checks, at every victim and admission, that the budget holds mid-access."""
    cache = BudgetedCache(factory, capacity)
    policy = cache.policy
    if policy.clairvoyant:
        policy.set_future(trace)
    victim, on_admit = policy.victim, policy.on_admit

    def checked_victim(now):
        assert cache.used <= cache.capacity
        chosen = victim(now)
        assert chosen in cache, f"{policy.name} chose {chosen!r}, not resident"
        return chosen

    def checked_admit(key, stats, now):
        assert cache.used <= cache.capacity and key in cache
        on_admit(key, stats, now)

    policy.victim, policy.on_admit = checked_victim, checked_admit
    return cache


def run(factory, trace, capacity: int, sizes=None, costs=None, priorities=None) -> list[AccessResult]:
    """Access trace[i] at clock i; check the budget after every step."""
    cache = watched_cache(factory, capacity, trace)
    sizes, costs, priorities = sizes or {}, costs or {}, priorities or {}
    results = []
    for now, key in enumerate(trace):
        results.append(cache.access(key, sizes.get(key, 1), now, costs.get(key, 0.0), priorities.get(key, 0)))
        assert cache.used <= cache.capacity
        assert cache.used == sum(cache.stats(k).size for k in cache.resident)
    return results


def evictions(results: list[AccessResult]) -> list[tuple[str, ...]]:
    return [result.evicted for result in results]


def hits(results: list[AccessResult]) -> int:
    return sum(result.hit for result in results)

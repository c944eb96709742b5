"""Typed schemas of the run config, registered with Hydra's ConfigStore.

Every option YAML in a config group (conf/<group>/<name>.yaml) names its
`_target_` and starts with `defaults: [/schema/<group>/<name>@_here_, _self_]`.
The schema is the dataclass `<TargetClass>Config`, found in the target's own
module (the rule for new components: one module + one YAML) or, for
components written before the rule, in `evals/schemas/<group>.py`. So a
misspelt key or a wrong type fails when Hydra composes the config, and value
checks (`__post_init__`) run in `validate` before any model loads.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field, is_dataclass
from pathlib import Path
from typing import Any

import yaml
from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, ListConfig, OmegaConf

from memos_lab.tiers.activation.tier import KVMode

CONF_DIR = Path(__file__).resolve().parents[1] / "conf"
NO_SCHEMA_GROUPS = ("experiment", "hydra", "system")  # global overrides, checked against RunConfig itself
LIST_GROUPS = ("migration", "fusion")  # chosen as a list (`fusion=[text_merge,lora_merge]`), each at <group>.<name>


class ConfigError(ValueError):
    """A config value is wrong; the message names the key."""


@dataclass
class BudgetConfig:
    """What the scheduler may keep resident (see memos_lab/scheduling/README.md)."""

    kv_tokens: int | None = None  # tokens of memory held as KV caches (None: no token budget)
    kv_bytes: int | None = None  # bytes of KV caches held (None: no byte budget)
    adapter_slots: int = 1  # LoRA adapters loaded at once

    def __post_init__(self) -> None:
        if self.kv_tokens is not None and self.kv_bytes is not None:
            raise ConfigError("budget.kv_tokens and budget.kv_bytes are exclusive: set one")
        for key in ("kv_tokens", "kv_bytes", "adapter_slots"):
            value = getattr(self, key)
            if value is not None and value < 1:
                raise ConfigError(f"budget.{key}={value} must be >= 1")


@dataclass
class KVSettings:
    """How the KV tier builds a scheduled prefix (`kv.mode=`, `kv.recompute_tokens=`)."""

    # exact: one prefill of the resident set (answers equal prompting); composed: one piece per memory, cheaper
    # ticks, approximate answers (on knowledge_update SmolLM2 then echoes the memory list: README, KV residency)
    mode: KVMode = KVMode.exact
    recompute_tokens: int = 0  # composed: first tokens of each piece recomputed in context (EPIC)

    def __post_init__(self) -> None:
        if self.recompute_tokens < 0:
            raise ConfigError(f"kv.recompute_tokens={self.recompute_tokens} must be >= 0")


@dataclass
class RunConfig:
    dataset: Any = MISSING
    model: Any = MISSING
    embedder: Any = MISSING
    memory: Any = MISSING
    tier: Any = MISSING
    logger: Any = MISSING
    policy: Any = None  # null: no scheduler; a policy: the scheduler manages the KV tier's residency
    workload: Any = None  # null: the dataset's questions in order; else a workload (evals/workloads/)
    scheduler: Any = None  # the MemScheduler's own settings (conf/scheduler/)
    migration: Any = None  # null: no migration; else {rule name: rule node} (conf/migration/), run at each tick
    fusion: Any = None  # null: memories are not fused; text_merge: duplicates merged, stale facts superseded
    judge: Any = None  # null: answers are not judged; a judge: `python -m evals.judge RUN_DIR` / after run.py
    budget: BudgetConfig = field(default_factory=BudgetConfig)
    kv: KVSettings = field(default_factory=KVSettings)
    task_name: str = "locomo"
    tags: list[str] = field(default_factory=list)
    seed: int = 0
    torch_threads: int | None = None  # None: the cores this process may use, shared with other live runs
    compare_with: list[str] = field(default_factory=list)  # memory options run on the same questions, for the table
    print_table: bool = True


def register_configs(conf_dir: Path = CONF_DIR) -> None:
    """Register the run schema and one schema per option YAML under `schema/<group>/<name>`."""
    store = ConfigStore.instance()
    store.store(name="run_schema", node=RunConfig)
    for path in sorted(conf_dir.glob("*/*.yaml")):
        group = path.parent.name
        if group in NO_SCHEMA_GROUPS:
            continue
        node = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if group in node and node[group] is None:  # `<group>: null` (e.g. fusion=none): the option that turns it off
            continue
        target = node.get("_target_") or (node.get(group) or {}).get("_target_")  # a `@package _global_` option
        if target is None:
            raise ConfigError(f"{path}: an option of group '{group}' must name its _target_")
        store.store(group=f"schema/{group}", name=path.stem, node=schema_for(target, group))


def schema_for(target: str, group: str) -> type:
    """The dataclass `<Class>Config` for `target`: in its module, else in evals.schemas.<group>."""
    module_name, _, class_name = target.rpartition(".")
    name = f"{class_name}Config"
    places = [module_name, f"evals.schemas.{group}"]
    for place in places:
        try:
            schema = getattr(importlib.import_module(place), name, None)
        except ModuleNotFoundError as error:
            if error.name != place:
                raise
            continue
        if schema is not None and is_dataclass(schema):
            declared = getattr(schema, "_target_", None)
            if declared != target:
                raise ConfigError(f"{place}.{name} declares _target_ {declared!r}, the YAML {target!r}")
            return schema
    raise ConfigError(f"no schema for {target}: define a dataclass {name} in {' or '.join(places)}")


def validate(cfg: DictConfig) -> None:
    """Run every typed node's value checks (`__post_init__`), naming the key that is wrong.

    Hydra checks keys and types at composition; values that depend on each
    other or on ranges are checked here, before anything heavy loads.
    """
    unknown = sorted(set(cfg.keys()) - set(RunConfig.__dataclass_fields__))
    if unknown:
        raise ConfigError(f"unknown top-level key(s) {', '.join(map(str, unknown))}: see `python run.py --cfg job`")
    for key in cfg.keys():
        node = cfg[key] if not OmegaConf.is_interpolation(cfg, key) else None
        for name, typed in _typed_nodes(node, str(key)):
            _check_values(OmegaConf.get_type(typed), _values(typed), name)
    if cfg.get("torch_threads") is not None and cfg.torch_threads < 1:
        raise ConfigError(f"torch_threads={cfg.torch_threads} must be >= 1")
    _check_tier_needs(cfg)


def _check_tier_needs(cfg: DictConfig) -> None:
    """An operator or rule whose schema declares `TIERS` (tier options it works in) refuses any other tier."""
    tier = (cfg.get("tier") or {}).get("_target_")
    for group in LIST_GROUPS:
        for name, node in (cfg.get(group) or {}).items():
            needs = getattr(OmegaConf.get_type(node), "TIERS", ())
            if needs and tier not in {_tier_target(option) for option in needs}:
                raise ConfigError(f"{group}.{name} needs {' or '.join(f'tier={t}' for t in needs)}, "
                                  f"not {tier}")


def _tier_target(option: str, conf_dir: Path = CONF_DIR) -> str:
    return yaml.safe_load((conf_dir / "tier" / f"{option}.yaml").read_text(encoding="utf-8"))["_target_"]


def _typed_nodes(node: Any, key: str) -> list[tuple[str, DictConfig]]:
    """The schema-typed node at `key`, or those one level down in a list group ({name: node}: migration, fusion)."""
    if not isinstance(node, DictConfig):
        return []
    if is_dataclass(OmegaConf.get_type(node)):
        return [(key, node)]
    return [(f"{key}.{name}", child) for name, child in node.items_ex(resolve=False)
            if isinstance(child, DictConfig) and is_dataclass(OmegaConf.get_type(child))]


def _values(node: DictConfig) -> dict[str, Any]:
    """The node's values, interpolations resolved where they can be outside a running Hydra app."""
    values = {}
    for key in node.keys():
        try:
            value = node[key]
            if isinstance(value, DictConfig | ListConfig):
                value = OmegaConf.to_container(value, resolve=True)  # resolved where it lives: memory.tier = ${tier}
        except Exception:  # an interpolation of Hydra's runtime, e.g. ${hydra:runtime.output_dir}
            value = "<resolved at run time>"
        values[key] = value
    return values


def _check_values(schema: type, values: dict[str, Any], key: str) -> None:
    try:
        OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(schema), values))
    except Exception as error:  # __post_init__ checks raise ValueError/TypeError; OmegaConf its own errors
        message = str(error).splitlines()[0]
        raise ConfigError(message if f"{key}." in message or message.startswith(key) else f"{key}: {message}") from None

"""lm-eval's `--model_args` as Hydra overrides of conf/, composed into the run config.

`--model_args` reach the model (and, through lm-eval's task metadata, the task
docs) as a dict: `overrides="memory=memos tier=plaintext"` (a space-separated
string, or a list in the JSON form) and any `group=option` or `dotted.key=value`
pair, each one Hydra override. lm-eval has already typed the values (True, 2,
[26, 30]); they are written back in Hydra's syntax. A misspelt key or option
fails at composition with one line naming it.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf, open_dict

from evals.config import CONF_DIR, RunConfig, register_configs
from evals.errors import UserError

OVERRIDES_KEY = "overrides"
RUN_DIR_KEY = "run_dir"


class ModelArgsError(UserError):
    """`--model_args` that do not compose into a run config; the message names the argument."""


def hydra_overrides(model_args: Mapping[str, Any]) -> list[str]:
    """The Hydra overrides in `model_args`: the `overrides` string or list first, then each key=value pair."""
    given = model_args.get(OVERRIDES_KEY) or []
    listed = shlex.split(given) if isinstance(given, str) else [str(o) for o in given]
    pairs = [f"{key}={hydra_value(value)}" for key, value in model_args.items() if key != OVERRIDES_KEY]
    malformed = [o for o in listed if "=" not in o]
    if malformed:
        raise ModelArgsError(f"model_args overrides: {malformed[0]!r} is not key=value (e.g. memory.top_k=2)")
    return listed + pairs


def config_overrides(metadata: Mapping[str, Any]) -> list[str]:
    """The Hydra overrides among lm-eval's task metadata (model_args merged with the task's own metadata,
    e.g. `version`): the `overrides` entry and the keys that name run config keys."""
    known = set(RunConfig.__dataclass_fields__)
    chosen = {k: v for k, v in metadata.items() if k == OVERRIDES_KEY or k.lstrip("+~").split(".")[0] in known}
    return hydra_overrides(chosen)


def hydra_value(value: Any) -> str:
    """A value lm-eval typed from `key=value`, written back as Hydra reads it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | tuple):
        return "[" + ",".join(hydra_value(v) for v in value) + "]"
    return str(value)


def compose_run_config(overrides: Sequence[str], run_dir: Path | None = None) -> DictConfig:
    """conf/config.yaml with `overrides`, `${hydra:runtime.output_dir}` set to `run_dir` (None: left unresolved)."""
    from hydra import compose, initialize_config_dir
    from hydra.core.hydra_config import HydraConfig
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    register_configs()
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            cfg = compose(config_name="config", overrides=list(overrides), return_hydra_config=run_dir is not None)
    except (HydraException, OmegaConfBaseException) as error:
        raise ModelArgsError(f"model_args {' '.join(overrides)!r}: {_reason(error)}") from None
    if run_dir is None:
        return cfg
    cfg.hydra.runtime.output_dir = str(run_dir)
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        del cfg["hydra"]
    OmegaConf.resolve(cfg)
    return cfg


def dataset_node(name: str, overrides: Sequence[str], extra: Sequence[str] = ()) -> DictConfig:
    """The dataset node for dataset `name`: `dataset=name` added unless the overrides choose a dataset
    (which must then be `name`), then `extra` dataset overrides of the task (`dataset.tasks=[hotpotqa]`)."""
    chosen = [o for o in overrides if o.split("=")[0].lstrip("+~") == "dataset"]
    if chosen and registered_name(compose_run_config(overrides).dataset) != name:
        raise ModelArgsError(f"model_args {chosen[-1]!r}: this task asks about {name} episodes (use dataset={name})")
    return compose_run_config([*overrides, *([] if chosen else [f"dataset={name}"]), *extra]).dataset


def registered_name(node: DictConfig) -> str:
    """The registered name of the dataset class a dataset node builds."""
    from hydra.utils import get_class

    return get_class(node._target_).name


def _reason(error: BaseException) -> str:
    """Hydra's error in one line: its first line, its cause's first line, the options it lists."""
    lines = _lines(error)
    parts = [lines[0], *_lines(error.__cause__)[:1]]
    listed = next((i for i, line in enumerate(lines) if line.startswith("Available options")), None)
    if listed is not None:
        options = [line for line in lines[listed + 1:] if ":" not in line and "=" not in line]
        parts.append(f"(options: {', '.join(options)})")
    return " ".join(parts)


def _lines(error: BaseException | None) -> list[str]:
    if error is None:
        return []
    return [line.strip() for line in str(error).splitlines() if line.strip()] or [type(error).__name__]

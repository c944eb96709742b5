"""What a run directory keeps beside its records: the resolved config, the
environment (git commit, dirty tree, package versions, machine) and metrics.

`write_json` is memos_lab.atomic's (atomic, strict JSON: NaN is refused)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evals.nested import flatten
from memos_lab.atomic import write_json


def environment(repo: Path, command: str, **dataset_and_scoring: Any) -> dict[str, Any]:
    """The run's environment record; a thin alias of `evals.environment.environment_record` (see there)."""
    from evals.environment import environment_record

    return environment_record(repo, command, **dataset_and_scoring)


# Keys that may differ between a run and its resumption: how it runs, not what it measures.
RESUMABLE_DIFFERENCES = ("torch_threads", "print_table", "logger", "compare_with")


class RunDirMismatchError(ValueError):
    """A run directory holds a run of another config: resuming into it would mix two systems' records."""


def begin(run_dir: Path, config: dict[str, Any], environment_record: dict[str, Any]) -> bool:
    """Write config.yaml and environment.json for a new run, or check and extend them for a resumed one.

    Returns True when resuming. A resumed run keeps the first start's record and
    appends its own to `resumed`, so a run continued at another commit says so.
    """
    import yaml

    run_dir.mkdir(parents=True, exist_ok=True)
    config_path, env_path = run_dir / "config.yaml", run_dir / "environment.json"
    if not config_path.exists():
        config_path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
        write_json(env_path, environment_record)
        return False
    differing = config_differences(yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}, config)
    if differing:
        raise RunDirMismatchError(
            f"{run_dir} holds a run of another config ({', '.join(differing[:8])} differ); "
            "resume with the same overrides, or choose a new hydra.run.dir"
        )
    first = json.loads(env_path.read_text(encoding="utf-8")) if env_path.exists() else {}
    first.setdefault("resumed", []).append(environment_record)
    write_json(env_path, first)
    return True


def config_differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Dotted keys whose values differ, leaving out RESUMABLE_DIFFERENCES."""
    flat_old, flat_new = flatten(old), flatten(new)
    keys = sorted(set(flat_old) | set(flat_new))
    return [k for k in keys if flat_old.get(k) != flat_new.get(k) and not k.startswith(RESUMABLE_DIFFERENCES)]

"""What a run directory keeps beside its records: the resolved config, the
environment (git commit, dirty tree, package versions, machine) and metrics.

`write_json` is memos_lab.atomic's (atomic, strict JSON: NaN is refused)."""

from __future__ import annotations

import contextlib
import fcntl
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evals.errors import UserError
from evals.nested import flatten
from memos_lab.atomic import write_json


def environment(repo: Path, command: str, **dataset_and_scoring: Any) -> dict[str, Any]:
    """The run's environment record; a thin alias of `evals.environment.environment_record` (see there)."""
    from evals.environment import environment_record

    return environment_record(repo, command, **dataset_and_scoring)


# Keys that may differ between a run and its resumption: how it runs or is judged, not what it measures.
RESUMABLE_DIFFERENCES = ("torch_threads", "print_table", "logger", "compare_with", "judge")


class RunDirBusyError(UserError):
    """Another live process (a run, its resumption, an adoption) holds the run directory."""


@contextlib.contextmanager
def exclusive(run_dir: Path) -> Iterator[None]:
    """Hold `run_dir` for this process; a second process is refused instead of writing records beside it.

    The lock is the kernel's (flock on `run_dir/.lock`): it goes with the
    process, even one killed by SIGKILL, so it never needs cleaning up."""
    if not run_dir.is_dir():
        raise RunDirError(f"{run_dir}: no such run directory")
    with open(run_dir / ".lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunDirBusyError(f"{run_dir} is in use by another live process (a run of it, or an adoption); "
                                  "wait for it, or stop it (SIGTERM, it can be resumed) and retry") from None
        yield


_HELD_UNTIL_EXIT: dict[Path, contextlib.AbstractContextManager] = {}


def hold_until_exit(run_dir: Path) -> None:
    """`exclusive(run_dir)` for the rest of this process, for writers that outlive any one call (the lm-eval
    model answers docs until lm-eval ends); the kernel releases the lock when the process does."""
    key = run_dir.resolve()
    if key not in _HELD_UNTIL_EXIT:
        held = exclusive(run_dir)
        held.__enter__()
        _HELD_UNTIL_EXIT[key] = held


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
    first = read_json(env_path) if env_path.exists() else {}
    first.setdefault("resumed", []).append(environment_record)
    write_json(env_path, first)
    return True


def config_differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Dotted keys whose values differ, leaving out RESUMABLE_DIFFERENCES."""
    flat_old, flat_new = flatten(old), flatten(new)
    keys = sorted(set(flat_old) | set(flat_new))
    return [k for k in keys if flat_old.get(k) != flat_new.get(k) and not k.startswith(RESUMABLE_DIFFERENCES)]


def environments(environment: dict[str, Any]) -> list[dict[str, Any]]:
    """Every environment record behind a run's answers: its first start, each resumption, and, for each shard it
    adopted records from (evals/adopt.py), the adopting command and the shard's own records."""
    records = [environment, *environment.get("resumed", [])]
    for adoption in environment.get("adopted", []):
        records += [adoption["by"], *environments(adoption["environment"])]
    return records


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


class RunDirError(UserError):
    """A run directory that is missing, unreadable, or not in the state a later stage needs."""


def read_run(run_dir: Path) -> dict[str, Any]:
    """config.yaml, environment.json, status.json and (when written) metrics.json of a run directory."""
    import yaml

    if not run_dir.is_dir():
        raise RunDirError(f"{run_dir}: no such run directory")
    missing = [name for name in ("config.yaml", "environment.json", "status.json") if not (run_dir / name).is_file()]
    if missing:
        raise RunDirError(f"{run_dir}: not a run directory (no {', '.join(missing)})")
    try:
        return {
            "dir": run_dir,
            "config": yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8")) or {},
            "environment": read_json(run_dir / "environment.json"),
            "status": read_json(run_dir / "status.json").get("status"),
            "metrics": read_metrics(run_dir),
        }
    except (ValueError, yaml.YAMLError) as error:
        raise RunDirError(f"{run_dir}: unreadable run files ({str(error).splitlines()[0]})") from None


def require_complete(run: dict[str, Any]) -> None:
    """Refuse a run that is not complete: its records and metrics cover only part of its questions."""
    if run["status"] != "complete" or run["metrics"] is None:
        raise RunDirError(f"{run['dir']}: the run is {run['status']}, not complete (a partial run); "
                          "finish it first (rerun its command with hydra.run.dir=<it>)")


def dataset_name(config: dict[str, Any]) -> str:
    """The dataset a run answered: the registered `name` of its config's dataset class, or, where this
    checkout lacks that class, the module under evals.datasets that holds it (evals.datasets.locomo.X: locomo)."""
    from hydra.utils import get_class

    target = (config.get("dataset") or {}).get("_target_", "")
    try:
        return get_class(target).name
    except (ImportError, AttributeError, ValueError):
        parts = target.removeprefix("evals.datasets.").split(".")
        if len(parts) < 2 or not parts[0]:
            raise RunDirError(f"the run's config names no dataset _target_ ({target!r})") from None
        return parts[0]


def system_label(config: dict[str, Any]) -> str:
    """A short name of the memory system a run config built: none, full_context, or
    memos/<tier>[+<policy>][+composed KV][+<n> migration rules][+<fusion>...] (mode, k)."""
    target = config["memory"]["_target_"].rsplit(".", 1)[-1]
    if target != "MemOSSystem":
        return {"NoMemory": "none", "FullContext": "full_context"}.get(target, target)
    policy = (config.get("policy") or {}).get("_target_")
    rules = len(config.get("migration") or {})
    composed = bool(policy) and (config.get("kv") or {}).get("mode") == "composed"  # exact is the default
    extras = [policy.rsplit(".", 2)[-2] if policy else "", "composed KV" if composed else "",
              f"{rules} migration rules" if rules else "", *fusion_names(config.get("fusion") or {})]
    name = "+".join([tier_name(config), *filter(None, extras)])
    return f"memos/{name} ({config['memory']['mode']}, k={config['memory']['top_k']})"


def fusion_names(fusion: dict[str, Any]) -> list[str]:
    """The fusion operators of a run config: {name: node}, or (runs before 2026-11-29) one node."""
    if "_target_" in fusion:
        return [fusion["_target_"].rsplit(".", 2)[-2]]
    return list(fusion)


def tier_name(config: dict[str, Any]) -> str:
    """The MemOS tier a run config built, by the paper's name: plaintext, activation or parameter."""
    return config["tier"]["_target_"].rsplit(".", 1)[-1].removesuffix("Tier").lower()


def system_dirs(run: dict[str, Any]) -> dict[str, Path]:
    """Each system's folder in a run: the configured system's, then baselines/<name>/ of `compare_with`."""
    run_dir = run["dir"]
    dirs = {system_label(run["config"]): run_dir}
    for baseline in sorted(p for p in (run_dir / "baselines").glob("*") if p.is_dir()):
        dirs[baseline.name] = baseline
    return dirs


def read_metrics(system_dir: Path) -> dict[str, Any] | None:
    """A system folder's metrics.json (a run's, or a baseline's), None before it is written."""
    path = system_dir / "metrics.json"
    return read_json(path) if path.exists() else None


def systems_of(run: dict[str, Any]) -> list[dict[str, Any]]:
    """The run and each `compare_with` baseline as runs of their own: same config and environment, their own
    folder, label and metrics (None where not written)."""
    def metrics(path: Path) -> dict[str, Any] | None:
        return run["metrics"] if path == run["dir"] else read_metrics(path)

    return [{**run, "dir": path, "label": label, "metrics": metrics(path)} for label, path in system_dirs(run).items()]

"""The judging stage's entry point: `python -m evals.judge RUN_DIR judge=local judge.n=3`.

Judges a finished run directory (its system and each baseline) with the
judge composed from the overrides (conf/judge/), prints one row per system
and writes <system dir>/judge/<judge id>/{judgements.jsonl,judge_metrics.json}.
Answering and judging can run on different machines: copy the run directory.
Mistakes (a missing or partial run, a bad override, an unreachable endpoint)
print one line, no traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

USAGE = ("usage: python -m evals.judge RUN_DIR judge=local|openai [judge.n=3] [judge.model=...] "
         "[judge.base_url=...] [judge.cache=FILE]")


def default_cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "memos_lab" / "judge" / "cache.sqlite"


def compose_judge(overrides: Sequence[str]):
    """The `judge` node of the run config composed with `overrides`, checked (keys, types, values, required keys)."""
    from hydra import compose, initialize_config_dir

    from evals.config import CONF_DIR, register_configs, validate

    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=list(overrides))
    require_judge(cfg.judge)
    validate(cfg)
    return cfg.judge


def require_judge(judge_cfg) -> None:
    """Refuse a missing judge or one with required keys unset (before a run or a judging stage starts)."""
    from omegaconf import OmegaConf

    from evals.errors import UserError

    if judge_cfg is None:
        raise UserError("name a judge: judge=local (offline) or judge=openai judge.base_url=URL judge.model=NAME")
    missing = sorted(key.removeprefix("judge.") for key in OmegaConf.missing_keys(judge_cfg))  # full path in an app
    if missing:
        raise UserError(f"judge.{missing[0]} is required: add judge.{missing[0]}=... ({USAGE})")


def judge_run_dir(run_dir: Path, judge_cfg, progress: bool = True) -> dict[str, dict[str, Any]]:
    """Build the judge from its config node, open its cache, judge the run; {system: judge metrics}."""
    from hydra.utils import instantiate

    from evals.judges.cache import JudgeCache
    from evals.judges.stage import judge_run

    judge = instantiate(judge_cfg)
    cache = JudgeCache(judge.cache or default_cache_path())
    try:
        return judge_run(run_dir, judge, cache, progress=progress)
    finally:
        cache.close()


def print_judged(results: Mapping[str, Mapping[str, Any]], run_dir: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    first = next(iter(results.values()))
    table = Table(title=f"{run_dir}: {first['judge']['label']}, prompt v{first['prompt_version']}")
    for column in ("system", "questions", "judge accuracy", f"std over n={first['judge']['n']}", "unparsable",
                   "requests sent", "from cache"):
        table.add_column(column, justify="left" if column == "system" else "right")
    for system, m in results.items():
        table.add_row(system, str(m["n"]), _fmt(m["accuracy"]), _fmt(m["std"]), str(m["unparsable"]),
                      str(m["calls"]["sent"]), str(m["calls"]["cached"] + m["calls"]["resumed"]))
    Console().print(table)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0].startswith("-") or "=" in args[0]:
        print(USAGE, file=sys.stderr)
        return 2
    run_dir, overrides = Path(args[0]), args[1:]
    try:
        results = judge_run_dir(run_dir, compose_judge(overrides))
    except Exception as error:
        message = _users_mistake(error)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 2
    print_judged(results, run_dir)
    return 0


def _users_mistake(error: BaseException) -> str | None:
    """One line for a mistake of the user's (a bad override too), None for a bug."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from evals.errors import user_error

    mistake = user_error(error)
    if mistake is not None:
        return str(mistake)
    if isinstance(error, HydraException | OmegaConfBaseException):
        return str(error).splitlines()[0]
    return None


if __name__ == "__main__":
    sys.exit(main())

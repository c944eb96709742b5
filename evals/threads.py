"""How many torch threads a run uses by default: its cores, shared with the other live runs.

torch's default takes every core of the machine, so two runs at once each
take all of them and a prefill slows down >10x (measured: 1.5k tokens, 2.5 s
alone, 36-45 s with two runs on 2 cores). A run instead counts the cores it
may use (its CPU affinity, so `taskset` is respected) and the memos_lab runs
alive on this machine (one pid file each under the cache), and takes its
share, never more than the cores the 1-minute load average leaves idle
(other programs count too). `torch_threads=N` overrides.
"""

from __future__ import annotations

import atexit
import os
from pathlib import Path

LIVE_RUNS_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "memos_lab" / "live_runs"


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def default_threads(live_runs_dir: Path = LIVE_RUNS_DIR, load: float | None = None) -> int:
    """This run's share of its cores, counting itself and the live runs registered in `live_runs_dir`,
    capped by the cores that `load` (default: the 1-minute load average) leaves idle."""
    cores = usable_cores()
    share = cores // (1 + len(live_pids(live_runs_dir) - {os.getpid()}))
    load = os.getloadavg()[0] if load is None and hasattr(os, "getloadavg") else (load or 0.0)
    return max(1, min(share, cores - round(load)))


def register_live_run(live_runs_dir: Path = LIVE_RUNS_DIR) -> None:
    """Mark this process as a live run until it exits."""
    live_runs_dir.mkdir(parents=True, exist_ok=True)
    marker = live_runs_dir / str(os.getpid())
    marker.touch()
    atexit.register(lambda: marker.unlink(missing_ok=True))


def live_pids(live_runs_dir: Path = LIVE_RUNS_DIR) -> set[int]:
    """Pids of registered runs still alive (markers of dead ones are removed)."""
    alive = set()
    for marker in live_runs_dir.glob("*") if live_runs_dir.is_dir() else ():
        if marker.name.isdigit() and _alive(int(marker.name)):
            alive.add(int(marker.name))
        else:
            marker.unlink(missing_ok=True)
    return alive


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

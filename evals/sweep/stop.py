"""SIGTERM stops a run or a whole sweep as Ctrl-C does (KeyboardInterrupt): the running run's
status says cancelled, the launcher stops launching (joblib terminates its workers), and the same
command resumes. Without this, a SIGTERM to a sweep's driver killed it at once, with no cleanup."""

from __future__ import annotations

import signal


class SweepTerminated(KeyboardInterrupt):
    """SIGTERM received outside a run's own handler (evals/runner.py), e.g. between two runs of a sweep."""


def stop_on_sigterm() -> None:
    signal.signal(signal.SIGTERM, _raise)


def _raise(signum, frame) -> None:
    raise SweepTerminated(f"signal {signum}")

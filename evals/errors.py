"""Which errors are the user's to fix (printed as one line) rather than bugs (a traceback)."""

from __future__ import annotations

import sys


class UserError(Exception):
    """A mistake in what the user asked for; the message says what and how to fix it."""


def user_error(error: BaseException) -> BaseException | None:
    """The user's mistake behind `error` (Hydra wraps errors raised while instantiating), or None for a bug."""
    seen: BaseException | None = error
    while seen is not None:
        if _is_users(seen):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def report_user_error(error: BaseException) -> int:
    """For a CLI's `except`: print the user's mistake behind `error` in one line and return exit code 2;
    re-raise a bug (with its traceback)."""
    mistake = user_error(error)
    if mistake is None:
        raise error
    print(f"error: {mistake}", file=sys.stderr)
    return 2


def _is_users(error: BaseException) -> bool:
    from evals.config import ConfigError
    from evals.environment import DirtyTreeError, FaissInstallError
    from evals.locomo.loader import DatasetChecksumError, DatasetNotFoundError
    from evals.run_dir import RunDirMismatchError
    from memos_lab.models.base import ModelNotAvailableError

    return isinstance(error, (UserError, ConfigError, DatasetNotFoundError, DatasetChecksumError, DirtyTreeError,
                              FaissInstallError, RunDirMismatchError, ModelNotAvailableError))

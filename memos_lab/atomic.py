"""Atomic writes: a reader sees the old file or the new one, never half of one.

Files are written to a unique temporary name in the same folder, flushed,
fsynced and renamed over the target (`os.replace`), then the folder is
fsynced. Folders that take long to build (a dequantised model) are built once
under an exclusive file lock into `<name>.partial` and renamed into place;
a `.partial` left by a crashed builder is removed by the next one.

JSON is always strict: NaN and infinities raise instead of writing a file
that `json.load` elsewhere (or any non-Python reader) would reject.

The cube store keeps its own writer (memos_lab/store/blobs.py): it is the
store's integrity boundary and is tested with it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Write `path` through a handle; the file appears complete on success and is untouched on error."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes whole files: mode 'w' or 'wb', got {mode!r}")
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; results and caches are meant to be read
        with open(fd, mode, encoding=None if "b" in mode else encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_open(path, "wb") as handle:
        handle.write(data)


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    with atomic_open(path, "w", encoding=encoding) as handle:
        handle.write(text)


def dumps_json(data: Any, indent: int | None = 2) -> str:
    """Strict JSON text (NaN/inf raise ValueError), UTF-8 kept readable, newline-terminated."""
    return json.dumps(data, indent=indent, ensure_ascii=False, allow_nan=False) + "\n"


def write_json(path: str | Path, data: Any, indent: int | None = 2) -> None:
    """Write strict JSON atomically; the text is built before the file is touched."""
    write_text(path, dumps_json(data, indent))


@contextlib.contextmanager
def file_lock(path: str | Path) -> Iterator[None]:
    """An exclusive `fcntl.flock` on `path` (created if absent), held for the block; released if the process dies."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def build_dir_once(target: str | Path, build: Callable[[Path], None]) -> Path:
    """`target`, built by `build(partial_dir)` unless it already exists; safe when several processes race.

    The first caller takes the lock `<target>.lock`, removes any stale
    `<target>.partial`, builds into it and renames it to `target`. Callers that
    waited on the lock find `target` and return it without building.
    """
    target = Path(target)
    if target.is_dir():
        return target
    partial = target.with_name(target.name + ".partial")
    with file_lock(target.with_name(target.name + ".lock")):
        if target.is_dir():
            return target
        if partial.exists():  # we hold the lock, so no one is writing it: a crashed build
            shutil.rmtree(partial)
        partial.mkdir(parents=True)
        try:
            build(partial)
            os.replace(partial, target)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        _fsync_dir(target.parent)
    return target


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a folder be opened or synced
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

"""Finding a dataset's files (config, environment variable, cache, shared/data) and fingerprinting them."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[2]


class DatasetNotFoundError(FileNotFoundError):
    """The dataset is not at the given path or any default location (a one-line message)."""


def cache_dir(dataset: str) -> Path:
    """`$XDG_CACHE_HOME/memos_lab/datasets/<dataset>` (default `~/.cache/...`)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "memos_lab" / "datasets" / dataset


def find_shared_data_dir(name: str, start: str | Path | None = None) -> Path | None:
    """First `shared/data/<name>` directory found walking up from `start` (default cwd)."""
    here = Path(start or Path.cwd()).resolve()
    for parent in (here, *here.parents):
        candidate = parent / "shared" / "data" / name
        if candidate.is_dir():
            return candidate
    return None


def resolve_data_path(
    dataset: str,
    path: str | Path | None,
    env_var: str,
    has_data: Callable[[Path], bool],
    expected: str,
    search_from: Sequence[str | Path] | None = None,
) -> Path:
    """Where to read `dataset`: `path`, then $env_var, the cache, then shared/data/<dataset> above
    the repository or the working directory. `expected` says what a valid location holds."""
    for value, origin in ((path, "dataset.path"), (os.environ.get(env_var), f"${env_var}")):
        if value:
            if not has_data(Path(value)):
                raise DatasetNotFoundError(f"{dataset} data not found at {value} ({origin}): expected {expected}")
            return Path(value)
    tried = ["dataset.path (not set)", f"${env_var} (not set)", str(cache_dir(dataset))]
    if has_data(cache_dir(dataset)):
        return cache_dir(dataset)
    for start in search_from if search_from is not None else (_REPO_ROOT, Path.cwd()):
        tried.append(f"shared/data/{dataset} in {Path(start).resolve()} or a parent")
        found = find_shared_data_dir(dataset, start)
        if found is not None and has_data(found):
            return found
    raise DatasetNotFoundError(f"{dataset} data not found (tried {'; '.join(tried)}): set dataset.path or "
                               f"${env_var} to {expected}")


def files_sha256(path: Path, files: Sequence[Path] | None = None) -> str:
    """sha256 of the bytes of the data files concatenated in name order (of one file: its own sha256)."""
    chosen = files if files is not None else ([path] if path.is_file() else [p for p in path.iterdir() if p.is_file()])
    digest = hashlib.sha256()
    for file in sorted(chosen, key=lambda f: f.name):
        digest.update(file.read_bytes())
    return digest.hexdigest()

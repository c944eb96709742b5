"""The identity of a model's weights: a sha256 of their content.

KV caches and LoRA adapters are only valid for the exact weights that made
them, so a fingerprint must tell two fine-tunes of one architecture apart.
For a local directory the digest covers the bytes of every weight file and
of config.json (file names do not matter: a copied or renamed directory keeps
its digest). Hashing 500 MB takes a second or two, so each file's sha256 is
cached in a sidecar, `.memos_lab_weights.json` in the directory, keyed by the
file's size and mtime; a changed file is hashed again. A read-only directory
gets no sidecar and is hashed on each load. For a hub id the digest covers
the id, the requested revision and the commit the hub resolved it to.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from memos_lab.atomic import write_json

SIDECAR = ".memos_lab_weights.json"
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf", ".ckpt", ".h5", ".msgpack")
IDENTITY_FILES = ("config.json",)  # shapes, dtype and architecture; not the tokenizer (templates are checked apart)
_CHUNK = 1 << 20


def weights_sha256(path: str | Path, revision: str | None = None, commit: str | None = None) -> str:
    """Hex sha256 of the weights at `path` (a local model directory) or of a hub id pinned by revision/commit."""
    local = Path(path)
    if not local.is_dir():
        pin = {"hub_id": str(path), "revision": revision, "commit": commit}
        return hashlib.sha256(json.dumps(pin, sort_keys=True).encode()).hexdigest()
    files = weight_files(local)
    if not any(f.suffix in WEIGHT_SUFFIXES for f in files):
        raise FileNotFoundError(f"{local}: no weight files ({', '.join(WEIGHT_SUFFIXES)}) to fingerprint")
    digests = _file_digests(local, files)
    combined = hashlib.sha256()
    for name in sorted(digests, key=lambda n: (n not in IDENTITY_FILES, n)):
        role = name if name in IDENTITY_FILES else "weights"
        combined.update(f"{role}\0{digests[name]}\n".encode())
    return combined.hexdigest()


def weight_files(directory: Path) -> list[Path]:
    """The files whose bytes define the model: weights (any depth) and config.json."""
    found = [p for p in directory.rglob("*") if p.is_file() and p.suffix in WEIGHT_SUFFIXES]
    found += [directory / name for name in IDENTITY_FILES if (directory / name).is_file()]
    return sorted(found)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _file_digests(directory: Path, files: list[Path]) -> dict[str, str]:
    """Relative name -> sha256 per file, reusing the sidecar's entry when size and mtime are unchanged."""
    cached = _read_sidecar(directory)
    entries: dict[str, dict[str, Any]] = {}
    for path in files:
        name = path.relative_to(directory).as_posix()
        stat = path.stat()
        key = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        old = cached.get(name)
        if isinstance(old, dict) and {k: old.get(k) for k in key} == key and isinstance(old.get("sha256"), str):
            entries[name] = old
        else:
            entries[name] = {**key, "sha256": file_sha256(path)}
    if entries != cached:
        _write_sidecar(directory, entries)
    return {name: entry["sha256"] for name, entry in entries.items()}


def _read_sidecar(directory: Path) -> dict[str, Any]:
    try:
        data = json.loads((directory / SIDECAR).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    return files if isinstance(files, dict) else {}


def _write_sidecar(directory: Path, entries: dict[str, dict[str, Any]]) -> None:
    if not os.access(directory, os.W_OK):
        return
    try:
        write_json(directory / SIDECAR, {"format": "memos_lab weights sha256 cache, v1", "files": entries})
    except OSError:
        pass  # a cache only: an unwritable directory is hashed again next time

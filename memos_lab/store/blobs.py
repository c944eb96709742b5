"""Content-addressed blob files, written atomically and verified on read."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from memos_lab.store.errors import CorruptPayloadError

_HEX64 = re.compile(r"[0-9a-f]{64}")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def put(self, data: bytes, sync: bool = True) -> str:
        """Store `data` under its sha256 (a no-op if an intact copy is present); returns the digest.

        With sync=False the caller must call `sync()` before relying on it.
        """
        digest = sha256(data)
        target = self.path(digest)
        if not target.exists() or self.damage(digest) is not None:
            write_atomically(target, data, sync=sync)
        return digest

    def sync(self) -> None:
        """Make every blob written with sync=False durable: one syncfs instead of an fsync per file."""
        sync_filesystem(self.root)

    def get(self, digest: str) -> bytes:
        target = self.path(digest)
        try:
            data = target.read_bytes()
        except FileNotFoundError as exc:
            raise CorruptPayloadError(f"blob file {target} is missing") from exc
        if sha256(data) != digest:
            raise CorruptPayloadError(f"blob file {target} is corrupt: its sha256 does not match")
        return data

    def damage(self, digest: str) -> str | None:
        """None if the blob is intact, else why not."""
        try:
            self.get(digest)
        except CorruptPayloadError as exc:
            return str(exc)
        return None

    def digests(self) -> set[str]:
        """The digests of the blob files present (files not named like a blob are not counted)."""
        return {p.name for p in self.root.glob("??/*") if _is_blob(p)}

    def stray_files(self) -> list[Path]:
        """Anything in the blob folder that is neither a blob nor a temp file (never deleted by gc)."""
        return sorted(
            p for p in self.root.rglob("*") if not p.is_dir() and not _is_blob(p) and not p.name.endswith(".tmp")
        )

    def temp_files(self) -> list[Path]:
        """Leftovers of writes that crashed before their rename."""
        return [p for p in self.root.glob("??/*.tmp") if p.is_file()]

    def size(self, digest: str) -> int:
        return self.path(digest).stat().st_size

    def delete(self, digest: str) -> None:
        self.path(digest).unlink(missing_ok=True)


def _is_blob(path: Path) -> bool:
    return path.is_file() and _HEX64.fullmatch(path.name) is not None and path.parent.name == path.name[:2]


def write_atomically(path: Path, data: bytes, sync: bool = True) -> None:
    """Temp file, fsync, rename: a crash leaves the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        if sync:
            os.fsync(handle.fileno())
    os.replace(tmp, path)
    if sync:
        _fsync_path(path.parent)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_filesystem(path: Path) -> None:
    """syncfs(2) on the filesystem holding `path` (Linux); elsewhere fsync every file and folder under it."""
    libc = _libc()
    if libc is not None:
        fd = os.open(path, os.O_RDONLY)
        try:
            if libc.syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    for item in [path, *path.rglob("*")]:
        _fsync_path(item)


def _libc():
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc if hasattr(libc, "syncfs") else None
    except OSError:
        return None

"""Embeddings kept on disk, so a restart re-indexes without re-encoding.

One SQLite file (`embeddings.sqlite` in the retriever's `cache_dir`, WAL mode)
maps (embedder identity, sha256 of the indexed text) to the vector's bytes.
The embedder identity is its name, dimension and a digest of its weights
(`Embedder.identity`), so a changed embedder never finds the old vectors:
its texts are encoded afresh and stored beside them, never mixed. A row whose
size does not fit the embedder's dimension is refused with an error naming
the file.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from memos_lab.tiers.plaintext.config import CacheDtype

FILE_NAME = "embeddings.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    embedder TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    dtype TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (embedder, text_hash)
) WITHOUT ROWID
"""
_BATCH = 500  # SQLite's bound-parameter limit is at least 999


class EmbeddingCacheError(RuntimeError):
    """The embedding cache file is unreadable or holds a vector of the wrong shape."""


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def embedder_identity(embedder) -> str:
    """`embedder.identity` when it has one, else its name and dimension."""
    identity = getattr(embedder, "identity", None)
    return str(identity) if identity else f"{getattr(embedder, 'name', type(embedder).__name__)}|dim={embedder.dim}"


class EmbeddingCache:
    def __init__(self, directory: str | Path, dtype: CacheDtype = CacheDtype.float32) -> None:
        self.path = Path(directory) / FILE_NAME
        self.dtype = CacheDtype(dtype)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)
            self._db.commit()
        except sqlite3.DatabaseError as exc:
            raise EmbeddingCacheError(f"{self.path}: not a readable embedding cache ({exc})") from exc

    def encode(self, embedder, texts: Sequence[str]) -> np.ndarray:
        """float32 vectors of `texts`: stored ones read back, the rest encoded once and stored."""
        identity = embedder_identity(embedder)
        keys = [text_key(t) for t in texts]
        found = self._get(identity, list(dict.fromkeys(keys)), embedder.dim)
        missing = {key: text for key, text in zip(keys, texts, strict=True) if key not in found}
        if missing:
            vectors = np.asarray(embedder.encode(list(missing.values())), dtype=np.float32)
            fresh = dict(zip(missing, vectors, strict=True))
            self._put(identity, fresh)
            found.update(fresh)
        out = np.empty((len(texts), embedder.dim), dtype=np.float32)
        for row, key in enumerate(keys):
            out[row] = found[key]
        return out

    def _get(self, identity: str, keys: list[str], dim: int) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        try:
            for start in range(0, len(keys), _BATCH):
                chunk = keys[start : start + _BATCH]
                rows = self._db.execute(
                    f"SELECT text_hash, dtype, vector FROM vectors WHERE embedder = ? "
                    f"AND text_hash IN ({','.join('?' * len(chunk))})",
                    [identity, *chunk],
                ).fetchall()
                for key, dtype, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.dtype(dtype))
                    if vector.shape != (dim,):
                        raise EmbeddingCacheError(
                            f"{self.path}: vector {key[:12]} of {identity!r} has {vector.size} values, expected {dim}"
                        )
                    found[key] = vector.astype(np.float32)
        except sqlite3.DatabaseError as exc:
            raise EmbeddingCacheError(f"{self.path}: cannot read embeddings ({exc})") from exc
        return found

    def _put(self, identity: str, vectors: dict[str, np.ndarray]) -> None:
        dtype = np.dtype(self.dtype.value)
        rows = [(identity, key, dtype.name, vector.astype(dtype).tobytes()) for key, vector in vectors.items()]
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)
        except sqlite3.DatabaseError as exc:
            raise EmbeddingCacheError(f"{self.path}: cannot write embeddings ({exc})") from exc

    def count(self, identity: str | None = None) -> int:
        if identity is None:
            return self._db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
        return self._db.execute("SELECT COUNT(*) FROM vectors WHERE embedder = ?", (identity,)).fetchone()[0]

    def close(self) -> None:
        self._db.close()

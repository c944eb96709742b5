"""Persistence of MemCubes: SQLite catalogue plus content-addressed blobs."""

from memos_lab.store.codecs import CorruptPayloadError
from memos_lab.store.store import CubeNotFoundError, CubeStore

__all__ = ["CorruptPayloadError", "CubeNotFoundError", "CubeStore"]

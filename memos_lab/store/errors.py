"""Every error the store raises, each naming what was wrong."""

from __future__ import annotations


class StoreError(Exception):
    """Base of the store's own errors."""


class CubeNotFoundError(StoreError, KeyError):
    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "cube not found"


class CubeExistsError(StoreError, ValueError):
    pass


class CorruptPayloadError(StoreError, ValueError):
    """A payload's bytes cannot be decoded, are missing, or fail their hash."""


class CatalogueError(StoreError, RuntimeError):
    """The catalogue database is unreadable, damaged or of an unknown schema."""


class VersionConflictError(StoreError, RuntimeError):
    """An update was based on a version that is no longer current."""


class AccessDeniedError(StoreError, PermissionError):
    """The actor lacks the right for what it asked; the attempt is audited."""

    def __init__(self, message: str, *, cube_id: str | None = None, namespace: str | None = None) -> None:
        super().__init__(message)
        self.cube_id, self.namespace = cube_id, namespace


class BundleError(StoreError, ValueError):
    """An export bundle is malformed, fails its hashes, or was made for another model."""


class DamagedRowError(CatalogueError):
    """A catalogue row fails its checks: unreadable header JSON, or JSON and columns that disagree."""

    def __init__(self, message: str, cube_id: str | None = None, version: int | None = None) -> None:
        super().__init__(message)
        self.cube_id, self.version = cube_id, version


class DamagedCubeWarning(UserWarning):
    """`list` skipped cubes whose catalogue rows are damaged (run `memos-lab cube verify`)."""

"""Persistence of MemCubes: SQLite catalogue plus content-addressed blobs.

store.py       the CubeStore: put/update/rollback/get/list, one actor per call
catalogue.py   SQLite rows of cube versions (WAL, BEGIN IMMEDIATE)
blobs.py       content-addressed payload files, atomic writes, hash checks
codecs.py      payload <-> bytes (UTF-8, safetensors; never pickle)
versions.py    how one version follows another
access.py      owners, grants, the read/write/share checks
audit.py       the audit table
maintenance.py verify and garbage collection
bundle.py      export/import of cube sets
"""

from memos_lab.store.access import ADMIN, Right
from memos_lab.store.bundle import export_bundle, import_bundle
from memos_lab.store.errors import (
    AccessDeniedError,
    BundleError,
    CatalogueError,
    CorruptPayloadError,
    CubeExistsError,
    CubeNotFoundError,
    StoreError,
    VersionConflictError,
)
from memos_lab.store.store import CubeStore

__all__ = [
    "ADMIN",
    "AccessDeniedError",
    "BundleError",
    "CatalogueError",
    "CorruptPayloadError",
    "CubeExistsError",
    "CubeNotFoundError",
    "CubeStore",
    "Right",
    "StoreError",
    "VersionConflictError",
    "export_bundle",
    "import_bundle",
]

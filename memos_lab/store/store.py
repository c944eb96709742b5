"""The cube store: headers in the SQLite catalogue, payloads as blobs.

It knows how payloads become bytes (codecs) but nothing of what they mean.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from memos_lab.cube import CubeHeader, Kind, MemCube
from memos_lab.store.blobs import BlobStore
from memos_lab.store.catalogue import Catalogue
from memos_lab.store.codecs import CorruptPayloadError, decode_payload, encode_payload


class CubeNotFoundError(KeyError):
    pass


class CubeStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.blobs = BlobStore(self.root / "blobs")
        self.catalogue = Catalogue(self.root / "catalogue.sqlite")

    def put(self, cube: MemCube, actor: str) -> CubeHeader:
        """Add a new cube; its content hash and byte size are set from the payload."""
        data = encode_payload(cube.kind, cube.payload)
        digest = self.blobs.put(data)
        header = dataclasses.replace(cube.header, content_hash=digest, size_bytes=len(data))
        with self.catalogue.transaction() as conn:
            if self.catalogue.header(header.id) is not None:
                raise ValueError(f"cube {header.id} already exists")
            self.catalogue.insert(conn, header)
        return header

    def header(self, cube_id: str, actor: str, version: int | None = None) -> CubeHeader:
        header = self.catalogue.header(cube_id, version)
        if header is None:
            raise CubeNotFoundError(f"no cube {cube_id}" + (f" version {version}" if version else ""))
        return header

    def get(self, cube_id: str, actor: str, version: int | None = None) -> MemCube:
        header = self.header(cube_id, actor, version)
        try:
            payload = decode_payload(header.kind, self.blobs.get(header.content_hash))
        except CorruptPayloadError as exc:
            raise CorruptPayloadError(f"cube {cube_id}: {exc}") from exc
        return MemCube(header, payload)

    def list(self, actor: str, namespace: str | None = None, kind: Kind | None = None) -> list[CubeHeader]:
        return self.catalogue.current(namespace, None if kind is None else Kind(kind).value)

    def close(self) -> None:
        self.catalogue.close()

    def __enter__(self) -> CubeStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

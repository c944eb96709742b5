"""Hostile bundles, built from a real export and rewritten member by member (not collected)."""

from __future__ import annotations

import io
import json
import re
import tarfile
from collections.abc import Callable
from pathlib import Path

import torch

from memos_lab.cube import CubeHeader, Kind, MemCube, plaintext_cube
from memos_lab.store import CubeStore, export_bundle
from memos_lab.store.blobs import sha256
from memos_lab.store.codecs import encode_tensors

MANIFEST = "manifest.json"
SPARSE_SIZE = 512 * 2**20


def source_bundle(tmp_path: Path) -> Path:
    """mallory's namespace: a text cube with two versions and an activation cube, exported with history."""
    with CubeStore(tmp_path / "mallory-store") as store:
        first = store.put(plaintext_cube("v1", namespace="mal-ns", owner="mallory", cube_id="m1"), "mallory")
        store.update(MemCube(first, "v2"), "mallory")
        header = CubeHeader(id="kv1", namespace="mal-ns", owner="mallory", kind=Kind.ACTIVATION)
        store.put(MemCube(header, {"x": torch.zeros(4, 4)}), "mallory")
        export_bundle(store, tmp_path / "good.bundle", "mallory", namespace="mal-ns", with_history=True)
    return tmp_path / "good.bundle"


def members(bundle: Path) -> tuple[dict, dict[str, bytes]]:
    with tarfile.open(bundle) as tar:
        found = {i.name: tar.extractfile(i).read() for i in tar.getmembers()}
    return json.loads(found.pop(MANIFEST)), found


def file_info(name: str, size: int, kind: bytes = tarfile.REGTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.type = size, kind
    return info


def write(path: Path, entries: list[tuple[tarfile.TarInfo, bytes]], raw_tail: bytes = b"") -> Path:
    """A tar of `entries`; `raw_tail` (whole 512-byte blocks) goes in before the end marker."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)
        tar.fileobj.write(raw_tail)
        tar.offset += len(raw_tail)
    path.write_bytes(buffer.getvalue())
    return path


def rebuild(
    bundle: Path, out: Path, edit: Callable[[dict, dict[str, bytes]], None] = lambda m, b: None, **extra
) -> Path:
    """The bundle with its manifest and blobs passed through `edit` (which may change both in place)."""
    manifest, blobs = members(bundle)
    edit(manifest, blobs)
    data = deep_json(json.dumps(manifest)).encode()
    entries = [(file_info(MANIFEST, len(data)), data)]
    entries += [(file_info(name, len(content)), content) for name, content in blobs.items()]
    return write(out, entries + extra.get("more", []), extra.get("raw_tail", b""))


def deep_json(text: str) -> str:
    """Expand each "__DEEP_<n>__" placeholder into n nested lists (json.dumps itself cannot nest that deep)."""
    return re.sub(r'"__DEEP_(\d+)__"', lambda m: "[" * int(m.group(1)) + "]" * int(m.group(1)), text)


def replace_payload(manifest: dict, blobs: dict[str, bytes], cube_id: str, data: bytes) -> None:
    """Point every version of `cube_id` at new bytes (hash and size kept consistent)."""
    digest = sha256(data)
    for entry in manifest["cubes"]:
        if entry["id"] == cube_id:
            entry["content_hash"], entry["size_bytes"] = digest, len(data)
    manifest["blobs"][digest] = len(data)
    blobs[f"blobs/{digest}"] = data


def gnu_sparse_block(name: str, realsize: int = SPARSE_SIZE) -> bytes:
    """An old-GNU sparse member header ('S') declaring `realsize` bytes of holes, with no data."""
    info = tarfile.TarInfo(name)
    info.size, info.type = 0, tarfile.GNUTYPE_SPARSE
    block = bytearray(info.tobuf(format=tarfile.GNU_FORMAT, encoding="utf-8", errors="strict"))
    block[386 : 386 + 24] = b"%011o\0%011o\0" % (realsize - 1, 1)  # one 1-byte extent at the end
    block[483 : 483 + 12] = b"%011o\0" % realsize
    block[148:156] = b" " * 8
    block[148:155] = b"%06o\0" % sum(block)
    return bytes(block)


def pax_sparse_member(name: str, realsize: int = SPARSE_SIZE) -> tuple[tarfile.TarInfo, bytes]:
    """A PAX (GNU sparse 1.0) member declaring `realsize` bytes: a map block and one data byte."""
    sparse_map = f"1\n{realsize - 1}\n1\n".encode().ljust(512, b"\0")
    info = file_info(name, len(sparse_map) + 1)
    info.pax_headers = {"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.name": name,
                        "GNU.sparse.realsize": str(realsize)}  # fmt: skip
    return info, sparse_map + b"x"


def encoded_zeros() -> bytes:
    return encode_tensors({"x": torch.zeros(4, 4)})

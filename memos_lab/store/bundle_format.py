"""Reading a bundle file safely: the tar, its manifest and its blobs, before anything is imported.

A bundle is an uncompressed tar of exactly one `manifest.json` and one
`blobs/<sha256>` per payload, all plain regular files. A member of any other
name (a trailing newline included), type (link, folder, device, GNU or PAX
sparse) or a second member of one name is refused from the tar headers
alone; each blob's size must be the one the manifest declares, checked before
its bytes are read, so a bundle costs no more memory than its own size. The
manifest is at most MAX_MANIFEST_BYTES and MAX_DEPTH deep. Every fault is a
BundleError naming the file.
"""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path
from typing import Any

from memos_lab.cube import CubeHeader
from memos_lab.store.blobs import sha256
from memos_lab.store.errors import BundleError

FORMAT = "memos-lab-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 64 * 2**20
MAX_DEPTH = 64
BLOB_NAME = re.compile(r"blobs/([0-9a-f]{64})")
_PLAIN = (tarfile.REGTYPE, tarfile.AREGTYPE)


def read_bundle(path: Path) -> tuple[list[CubeHeader], dict[str, bytes]]:
    """The headers and verified blobs of a bundle; BundleError naming the file on any fault."""
    try:
        with tarfile.open(path, mode="r:") as tar:
            members = _members(path, tar.getmembers())
            manifest = _manifest(path, _read(tar, members.pop(MANIFEST)))
            declared = _declared(path, manifest)
            blobs = {}
            for name, info in members.items():
                digest = BLOB_NAME.fullmatch(name).group(1)
                if digest not in declared or info.size != declared[digest]:
                    raise BundleError(
                        f"bundle {path}: member {name} is {info.size} bytes, the manifest declares"
                        f" {declared.get(digest, 'no such blob')}"
                    )
                data = _read(tar, info)
                if sha256(data) != digest:
                    raise BundleError(f"bundle {path}: blob {name} does not match its sha256 (corrupt or tampered)")
                blobs[digest] = data
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BundleError(f"bundle {path} is not a readable bundle: {exc}") from exc
    missing = sorted(set(declared) - set(blobs))
    if missing:
        raise BundleError(f"bundle {path}: the manifest declares blobs the tar lacks: {missing[:3]}")
    headers = [_header(path, entry) for entry in manifest["cubes"]]
    for header in headers:
        _check_blob(path, header, blobs)
    return headers, blobs


def _members(path: Path, infos: list[tarfile.TarInfo]) -> dict[str, tarfile.TarInfo]:
    """Name -> member, refusing odd names, special members and duplicates from the headers alone."""
    members: dict[str, tarfile.TarInfo] = {}
    for info in infos:
        if info.name != MANIFEST and BLOB_NAME.fullmatch(info.name) is None:
            raise BundleError(f"bundle {path}: unexpected member {info.name!r}")
        if info.type not in _PLAIN or info.sparse is not None:
            raise BundleError(f"bundle {path}: member {info.name!r} is not a plain regular file")
        if info.name in members:
            raise BundleError(f"bundle {path}: member {info.name!r} appears twice")
        members[info.name] = info
    if MANIFEST not in members:
        raise BundleError(f"bundle {path} has no {MANIFEST}")
    if members[MANIFEST].size > MAX_MANIFEST_BYTES:
        raise BundleError(f"bundle {path}: {MANIFEST} is {members[MANIFEST].size} bytes (at most {MAX_MANIFEST_BYTES})")
    return members


def _read(tar: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(info)
    return handle.read(info.size)


def _manifest(path: Path, data: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BundleError(f"bundle {path}: {MANIFEST} is not valid JSON: {exc}") from exc
    if _depth(manifest) > MAX_DEPTH:
        raise BundleError(f"bundle {path}: {MANIFEST} is nested deeper than {MAX_DEPTH} levels")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError(f"bundle {path}: {MANIFEST} is not a {FORMAT} manifest")
    if manifest.get("format_version") != FORMAT_VERSION or not isinstance(manifest.get("cubes"), list):
        raise BundleError(f"bundle {path}: unsupported format version {manifest.get('format_version')!r}")
    return manifest


def _declared(path: Path, manifest: dict[str, Any]) -> dict[str, int]:
    declared = manifest.get("blobs")
    ok = isinstance(declared, dict) and all(
        isinstance(d, str) and re.fullmatch(r"[0-9a-f]{64}", d) and type(n) is int and n >= 0
        for d, n in declared.items()
    )
    if not ok:
        raise BundleError(f"bundle {path}: {MANIFEST} 'blobs' must map sha256 digests to byte sizes")
    return declared


def _depth(value: Any) -> int:
    """How deeply a parsed JSON value nests (iterative: no recursion on hostile input)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _header(path: Path, entry: Any) -> CubeHeader:
    try:
        return CubeHeader.from_dict(entry)
    except (TypeError, ValueError, RecursionError) as exc:
        raise BundleError(f"bundle {path}: a cube header does not validate: {exc}") from exc


def _check_blob(path: Path, header: CubeHeader, blobs: dict[str, bytes]) -> None:
    data = blobs.get(header.content_hash)
    if data is None:
        raise BundleError(f"bundle {path}: cube {header.id} version {header.version} has no blob {header.content_hash}")
    if len(data) != header.size_bytes:
        raise BundleError(f"bundle {path}: cube {header.id} says {header.size_bytes} bytes, its blob has {len(data)}")

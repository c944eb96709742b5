"""Damaged files give clear errors naming the file; nothing else is lost."""

from __future__ import annotations

import io
import tarfile

import pytest

from memos_lab.cube import plaintext_cube
from memos_lab.store import (
    ADMIN,
    BundleError,
    CatalogueError,
    CorruptPayloadError,
    CubeStore,
    export_bundle,
    import_bundle,
)
from memos_lab.store.store import CATALOGUE_FILE

CUBES = 60


@pytest.fixture
def filled(tmp_path):
    root = tmp_path / "store"
    with CubeStore(root) as store:
        cubes = [plaintext_cube(f"memory {i} " * 50, namespace="ns", owner="alice") for i in range(CUBES)]
        ids = [header.id for header in store.put_many(cubes, "alice")]
    return root, ids


def test_truncated_catalogue_is_a_clear_error_naming_the_file(filled):
    root, _ = filled
    catalogue = root / CATALOGUE_FILE
    catalogue.write_bytes(catalogue.read_bytes()[: catalogue.stat().st_size // 2])
    with pytest.raises(CatalogueError, match=str(catalogue)):
        with CubeStore(root) as store:
            store.list(ADMIN)


@pytest.mark.parametrize("content", [b"", b"garbage" * 1000])
def test_garbage_catalogue_is_a_clear_error_naming_the_file(tmp_path, content):
    (tmp_path / CATALOGUE_FILE).write_bytes(b"SQLite format 3\x00" + content if content else b"\x01" * 100)
    with pytest.raises(CatalogueError, match=str(tmp_path / CATALOGUE_FILE)):
        with CubeStore(tmp_path) as store:
            store.list(ADMIN)


def flip_a_byte(path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["flip", "delete"])
def test_damaged_blob_names_file_and_cube_and_spares_the_rest(filled, damage):
    root, ids = filled
    with CubeStore(root) as store:
        victim = store.header(ids[7], "alice")
        path = store.blobs.path(victim.content_hash)
        flip_a_byte(path) if damage == "flip" else path.unlink()
        with pytest.raises(CorruptPayloadError) as raised:
            store.get(victim.id, "alice")
        assert victim.id in str(raised.value) and str(path) in str(raised.value)
        assert ("missing" if damage == "delete" else "sha256 does not match") in str(raised.value)
        for cube_id in ids[:7] + ids[8:]:
            assert store.get(cube_id, "alice", touch=False).text.startswith("memory")
        report = store.verify()
        assert [(d.cube_id, d.path) for d in report.damaged] == [(victim.id, path)]


def test_bundle_with_a_wrong_hash_is_refused_and_imports_nothing(filled, tmp_path):
    root, _ = filled
    bundle, tampered = tmp_path / "good.bundle", tmp_path / "tampered.bundle"
    with CubeStore(root) as store:
        export_bundle(store, bundle, "alice")
    tampered.write_bytes(_tamper_first_blob(bundle.read_bytes()))
    with CubeStore(tmp_path / "target") as target:
        with pytest.raises(BundleError, match="tampered.bundle: blob blobs/[0-9a-f]+ does not match its sha256"):
            import_bundle(tampered, target, "alice")
        assert target.list(ADMIN) == []
        assert len(import_bundle(bundle, target, "alice")) == CUBES


def _tamper_first_blob(data: bytes) -> bytes:
    source, out = tarfile.open(fileobj=io.BytesIO(data)), io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        first = True
        for info in source.getmembers():
            content = source.extractfile(info).read()
            if first and info.name.startswith("blobs/"):
                content, first = content[:-1] + b"!", False
            tar.addfile(info, io.BytesIO(content))
    return out.getvalue()

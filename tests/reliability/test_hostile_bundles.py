"""Hostile bundles: every one is refused whole, with a StoreError naming the bundle, and writes nothing.

Each case rewrites a real export of mallory's namespace; the importer is
mallory, into a store where bob already owns `bob-ns`.
"""

from __future__ import annotations

import tarfile
import tracemalloc

import bundle_builder as bb
import pytest

from memos_lab.cube import plaintext_cube
from memos_lab.store import ADMIN, CubeStore, StoreError, import_bundle


def _version(manifest: dict, cube_id: str, version: int) -> dict:
    return next(e for e in manifest["cubes"] if e["id"] == cube_id and e["version"] == version)


def moves_namespace(m, b):
    _version(m, "m1", 2)["namespace"] = "bob-ns"


def changes_kind(m, b):
    bb.replace_payload(m, b, "kv1", bb.encoded_zeros())  # zero tensors: also valid UTF-8 text
    m["cubes"].append({**_version(m, "kv1", 1), "version": 2, "parent_version": 1, "kind": "plaintext"})


def not_utf8(m, b):
    bb.replace_payload(m, b, "m1", b"\xff\xfe not text")


def not_safetensors(m, b):
    bb.replace_payload(m, b, "kv1", b"definitely not safetensors")


def deep_meta(depth):
    def edit(m, b):
        _version(m, "m1", 1)["meta"] = {"deep": f"__DEEP_{depth}__"}

    return edit


def ansi(field):
    def edit(m, b):
        for entry in m["cubes"]:
            if entry["id"] == "m1":
                entry[field] = "\x1b[31mred\x1b[0m"

    return edit


def same_version_twice(m, b):
    m["cubes"].append(dict(_version(m, "m1", 2)))


def existing_id(m, b):
    for entry in m["cubes"]:
        if entry["id"] == "m1":
            entry["id"] = "bobs"


def first_blob(blobs: dict) -> str:
    return sorted(blobs)[0]


def two_manifests(bundle, out):
    manifest, _ = bb.members(bundle)
    data = bb.json.dumps(manifest).encode()
    return bb.rebuild(bundle, out, more=[(bb.file_info(bb.MANIFEST, len(data)), data)])


def newline_name(bundle, out):
    def edit(m, b):
        name = first_blob(b)
        b[name + "\n"] = b.pop(name)

    return bb.rebuild(bundle, out, edit)


def bigger_than_declared(bundle, out):
    def edit(m, b):
        m["blobs"][first_blob(b).removeprefix("blobs/")] = 1

    return bb.rebuild(bundle, out, edit)


def duplicate_blob(bundle, out):
    _, blobs = bb.members(bundle)
    name = first_blob(blobs)
    return bb.rebuild(bundle, out, more=[(bb.file_info(name, len(blobs[name])), blobs[name])])


def special(kind):
    def build(bundle, out):
        _, blobs = bb.members(bundle)
        info = bb.file_info("blobs/" + "0" * 64, 0, kind)
        info.linkname = "/etc/passwd"
        return bb.rebuild(bundle, out, more=[(info, b"")])

    return build


def gnu_sparse(bundle, out):
    return bb.rebuild(bundle, out, raw_tail=bb.gnu_sparse_block("blobs/" + "a" * 64))


def pax_sparse(bundle, out):
    return bb.rebuild(bundle, out, more=[bb.pax_sparse_member("blobs/" + "b" * 64)])


EDITS = {
    "version 2 moves into bob's namespace": moves_namespace,
    "version 2 changes the kind": changes_kind,
    "text that is not UTF-8": not_utf8,
    "activation payload that is not safetensors": not_safetensors,
    "manifest nested 100000 deep": deep_meta(100_000),
    "manifest nested 200 deep": deep_meta(200),
    "ANSI escapes in an id": ansi("id"),
    "ANSI escapes in a namespace": ansi("namespace"),
    "one version given twice": same_version_twice,
    "an id the store already has": existing_id,
}
BUILDS = {
    "two manifests": two_manifests,
    "blob name ending in a newline": newline_name,
    "member bigger than the manifest declares": bigger_than_declared,
    "a blob member twice": duplicate_blob,
    "symlink member": special(tarfile.SYMTYPE),
    "hard link member": special(tarfile.LNKTYPE),
    "directory member": special(tarfile.DIRTYPE),
    "fifo member": special(tarfile.FIFOTYPE),
    "GNU sparse member of 512 MiB": gnu_sparse,
    "PAX sparse member of 512 MiB": pax_sparse,
}


@pytest.fixture
def good(tmp_path):
    return bb.source_bundle(tmp_path)


@pytest.fixture
def target(tmp_path):
    with CubeStore(tmp_path / "target") as store:
        store.put(plaintext_cube("bob's", namespace="bob-ns", owner="bob", cube_id="bobs"), "bob")
        yield store


def written(store: CubeStore) -> tuple:
    """Everything an import could write, besides audit records of refusals."""
    rows = store.catalogue.execute("SELECT id, version FROM cubes ORDER BY id, version")
    namespaces = store.catalogue.execute("SELECT name, owner FROM namespaces ORDER BY name")
    return rows, namespaces, sorted(store.blobs.digests()), store.blobs.temp_files()


def refused_whole(bundle, store) -> None:
    before = written(store)
    tracemalloc.start()
    try:
        with pytest.raises(StoreError, match=f"bundle {bundle}"):
            import_bundle(bundle, store, "mallory")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20  # a declared 512 MiB is never materialised
    assert written(store) == before


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_a_hostile_manifest_is_refused_whole(good, target, tmp_path, edit):
    refused_whole(bb.rebuild(good, tmp_path / "hostile.bundle", edit), target)


@pytest.mark.parametrize("build", BUILDS.values(), ids=BUILDS.keys())
def test_a_hostile_tar_is_refused_whole(good, target, tmp_path, build):
    refused_whole(build(good, tmp_path / "hostile.bundle"), target)


def test_the_untouched_bundle_imports_and_verifies(good, target, tmp_path):
    imported = import_bundle(bb.rebuild(good, tmp_path / "same.bundle"), target, "mallory")
    assert sorted((h.id, h.version, h.owner) for h in imported) == [("kv1", 1, "mallory"), ("m1", 2, "mallory")]
    assert target.verify(ADMIN).ok

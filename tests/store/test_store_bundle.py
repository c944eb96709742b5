from __future__ import annotations

import pytest
import torch
from store_helpers import tensor_cube, text_cube

from memos_lab.cube import MemCube
from memos_lab.store import ADMIN, BundleError, CubeExistsError, CubeStore, export_bundle, import_bundle


@pytest.fixture
def source(store):
    texts = [store.put(text_cube(f"fact {i}"), "alice") for i in range(3)]  # fact 0 is listed last once updated
    store.update(MemCube(texts[0], "fact 0, revised"), "alice")
    store.put(text_cube("bob's", owner="bob", namespace="bob-ns"), "bob")
    return store


def test_export_import_round_trip_with_history(source, tmp_path):
    bundle = tmp_path / "alice.bundle"
    exported = export_bundle(source, bundle, "alice", namespace="alice-ns", with_history=True)
    assert len(exported) == 4
    with CubeStore(tmp_path / "other") as target:
        imported = import_bundle(bundle, target, "carol")
        assert {h.owner for h in imported} == {"carol"}
        first = source.list("alice")[-1].id
        assert target.get(first, "carol").text == "fact 0, revised"
        assert target.get(first, "carol", version=1).text == "fact 0"
        assert target.verify().ok
        with pytest.raises(CubeExistsError):
            import_bundle(bundle, target, "carol")


def test_export_never_includes_what_the_actor_cannot_read(source, tmp_path):
    exported = export_bundle(source, tmp_path / "b", "alice")
    assert {h.owner for h in exported} == {"alice"}
    with pytest.raises(PermissionError):
        export_bundle(source, tmp_path / "c", "alice", ids=[source.list("bob")[0].id])


def test_export_by_predicate_and_into_another_namespace(source, tmp_path):
    bundle = tmp_path / "b"
    export_bundle(source, bundle, ADMIN, select=lambda h: h.owner == "bob")
    with CubeStore(tmp_path / "other") as target:
        [header] = import_bundle(bundle, target, ADMIN, namespace="archive")
        assert (header.owner, header.namespace) == ("bob", "archive")


def test_a_bundle_for_another_model_is_refused(store, tmp_path):
    store.put(tensor_cube(fingerprint="smollm2-135m"), "alice")
    bundle = tmp_path / "kv.bundle"
    export_bundle(store, bundle, "alice")
    with CubeStore(tmp_path / "other") as target:
        with pytest.raises(BundleError, match="made for model 'smollm2-135m'.*'qwen2.5-0.5b'"):
            import_bundle(bundle, target, "alice", model_fingerprint="qwen2.5-0.5b")
        assert target.list(ADMIN) == []
        [header] = import_bundle(bundle, target, "alice", model_fingerprint="smollm2-135m")
        assert torch.equal(target.get(header.id, "alice").payload["layer0.value"], torch.ones(2, 2))


@pytest.mark.parametrize("content", [b"", b"not a tar at all", b"\x00" * 1024])
def test_garbage_bundles_name_the_file(tmp_path, store, content):
    bundle = tmp_path / "junk.bundle"
    bundle.write_bytes(content)
    with pytest.raises(BundleError, match="junk.bundle"):
        import_bundle(bundle, store, "alice")


def test_fingerprints_may_be_mappings_as_model_backends_report_them(store, tmp_path):
    ours = {"name": "smollm2", "weights_sha256": "ab" * 32, "num_layers": 30}
    store.put(tensor_cube(fingerprint=ours), "alice")
    bundle = tmp_path / "kv.bundle"
    export_bundle(store, bundle, "alice")
    with CubeStore(tmp_path / "other") as target:
        with pytest.raises(BundleError, match="made for model"):
            import_bundle(bundle, target, "alice", model_fingerprint={**ours, "num_layers": 24})
        assert len(import_bundle(bundle, target, "alice", model_fingerprint=dict(ours))) == 1

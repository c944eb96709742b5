"""The model fingerprint hashes the weights' content: two fine-tunes of one shape never share it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from memos_lab.models.weights import SIDECAR, weights_sha256


def _tiny_llama(seed: int):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=49152, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=256)  # fmt: skip
    return LlamaForCausalLM(config).eval()


@pytest.fixture(scope="module")
def two_finetunes(tmp_path_factory) -> tuple[Path, Path]:
    """Two tiny Llama directories with byte-identical config and file sizes; one weight differs."""
    import torch
    from transformers import AutoTokenizer

    from memos_lab.models.smollm2 import smollm2_dir

    tokenizer = AutoTokenizer.from_pretrained(smollm2_dir())
    root = tmp_path_factory.mktemp("tiny")
    model = _tiny_llama(seed=0)
    model.save_pretrained(root / "a")
    with torch.no_grad():
        model.model.layers[0].mlp.down_proj.weight[0, 0] += 1.0
    model.save_pretrained(root / "b")
    for name in ("a", "b"):
        tokenizer.save_pretrained(root / name)
    return root / "a", root / "b"


def test_one_changed_weight_changes_the_fingerprint(two_finetunes):
    from memos_lab.models.hf_local import HFCausalLM

    a, b = two_finetunes
    assert (a / "config.json").read_bytes() == (b / "config.json").read_bytes()
    assert sorted((p.name, p.stat().st_size) for p in a.iterdir() if p.name != SIDECAR) == sorted(
        (p.name, p.stat().st_size) for p in b.iterdir() if p.name != SIDECAR
    )
    first, second = HFCausalLM(str(a), device="cpu").fingerprint(), HFCausalLM(str(b), device="cpu").fingerprint()
    assert first["weights_sha256"] != second["weights_sha256"]
    assert len(first["weights_sha256"]) == 64
    assert {k: v for k, v in first.items() if k not in ("name", "weights_sha256")} == {
        k: v for k, v in second.items() if k not in ("name", "weights_sha256")
    }


def test_a_copy_keeps_the_fingerprint(two_finetunes, tmp_path):
    a, _ = two_finetunes
    copy = shutil.copytree(a, tmp_path / "renamed-copy")
    (copy / SIDECAR).unlink(missing_ok=True)
    assert weights_sha256(copy) == weights_sha256(a)


def test_the_sidecar_saves_rehashing_until_size_or_mtime_change(two_finetunes, tmp_path):
    a, _ = two_finetunes
    model_dir = shutil.copytree(a, tmp_path / "m")
    (model_dir / SIDECAR).unlink(missing_ok=True)
    digest = weights_sha256(model_dir)
    assert (model_dir / SIDECAR).is_file()
    weights = model_dir / "model.safetensors"
    stat = weights.stat()
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF  # same size, other content
    weights.write_bytes(bytes(data))
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert weights_sha256(model_dir) == digest  # size and mtime unchanged: the cached digest is used, no rehash
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert weights_sha256(model_dir) != digest


def test_an_unwritable_directory_still_fingerprints(two_finetunes, tmp_path):
    a, _ = two_finetunes
    model_dir = shutil.copytree(a, tmp_path / "ro")
    (model_dir / SIDECAR).unlink(missing_ok=True)
    model_dir.chmod(0o555)
    try:
        assert weights_sha256(model_dir) == weights_sha256(a)
    finally:
        model_dir.chmod(0o755)


def test_hub_ids_are_pinned_by_revision_and_commit():
    base = weights_sha256("org/model")
    assert weights_sha256("org/model", revision="v2") != base
    assert weights_sha256("org/model", commit="abc") != weights_sha256("org/model", commit="def")
    assert weights_sha256("org/other") != base


def test_a_directory_without_weights_is_refused(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="no weight files"):
        weights_sha256(tmp_path)

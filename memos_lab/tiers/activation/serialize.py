"""KV cache <-> activation MemCube: per-layer tensors plus a header that says what they are.

Payload: {"layers.{i}.keys": tensor, "layers.{i}.values": tensor}, each
[1, kv_heads, tokens, head_dim] (the store writes it as safetensors).
header.meta: model_fingerprint, token_ids, offset, context_ids, num_tokens,
num_layers, dtype, template. Loading checks all of it against the model at
hand and names what differs; before that, the types of the metadata (ints
where ints belong, a mapping for the fingerprint) and every tensor (a 4-d
floating tensor of finite values), so a damaged or hostile cube is a
KVFormatError naming the cube, never an IndexError or a NaN answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from memos_lab.cube import Kind, MemCube, Provenance, fresh_header
from memos_lab.tiers.activation.kv import KVCache, KVCacheError, require_same_model


class KVFormatError(KVCacheError):
    """An activation cube's tensors do not match its header."""


def to_tensors(kv: KVCache) -> dict[str, Any]:
    tensors = {}
    for i, (k, v) in enumerate(zip(kv.keys, kv.values, strict=True)):
        tensors[f"layers.{i}.keys"] = k
        tensors[f"layers.{i}.values"] = v
    return tensors


def kv_meta(kv: KVCache, template: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {
        "model_fingerprint": dict(kv.fingerprint),
        "token_ids": list(kv.token_ids),
        "offset": kv.offset,
        "context_ids": list(kv.context_ids),
        "num_tokens": kv.num_tokens,
        "num_layers": kv.num_layers,
        "dtype": str(kv.dtype).removeprefix("torch."),
        "template": dict(template or {}),
    }


def kv_cube(
    kv: KVCache,
    *,
    namespace: str,
    owner: str,
    provenance: Provenance | None = None,
    template: Mapping[str, Any] | None = None,
    cube_id: str | None = None,
) -> MemCube:
    """An activation cube holding `kv` (the store fills in hash and byte size)."""
    header = fresh_header(
        Kind.ACTIVATION,
        namespace=namespace,
        owner=owner,
        provenance=provenance,
        cube_id=cube_id,
        size_bytes=kv.nbytes,
        size_tokens=kv.num_tokens,
        meta=kv_meta(kv, template),
    )
    return MemCube(header, to_tensors(kv))


def kv_from_cube(cube: MemCube, model) -> KVCache:
    """The KV cache in an activation cube, refused unless it was made for `model`, as recorded."""
    where = f"activation cube {cube.id}"
    if cube.kind is not Kind.ACTIVATION:
        raise KVFormatError(f"cube {cube.id} is {cube.kind.value}, not activation")
    meta = cube.header.meta
    missing = [k for k in ("model_fingerprint", "token_ids", "num_layers", "dtype") if k not in meta]
    if missing:
        raise KVFormatError(f"{where}: header meta lacks {missing}")
    _check_meta(meta, where)
    try:
        require_same_model(meta["model_fingerprint"], model.fingerprint())
    except KVCacheError as exc:
        raise type(exc)(f"{where}: {exc}") from exc
    if not isinstance(cube.payload, Mapping):
        raise KVFormatError(f"{where}: the payload is a {type(cube.payload).__name__}, not a mapping of tensors")
    keys, values = _layers(cube.payload, meta["num_layers"], where)
    for name, tensor in cube.payload.items():
        _check_tensor(name, tensor, where)
    _check_dtype(keys, meta["dtype"], where)
    _check_heads(keys, model.fingerprint(), where)
    try:
        return KVCache(
            token_ids=tuple(meta["token_ids"]),
            keys=keys,
            values=values,
            fingerprint=meta["model_fingerprint"],
            offset=meta.get("offset", 0),
            context_ids=tuple(meta.get("context_ids", ())),
        )
    except KVCacheError as exc:
        raise KVFormatError(f"{where}: {exc}") from exc


def _layers(tensors: Mapping[str, Any], num_layers: int, where: str) -> tuple[tuple, tuple]:
    expected = {f"layers.{i}.{part}" for i in range(num_layers) for part in ("keys", "values")}
    if set(tensors) != expected:
        missing, extra = sorted(expected - set(tensors)), sorted(set(tensors) - expected)
        raise KVFormatError(
            f"{where}: tensors do not match {num_layers} layers (missing {missing[:4]}, extra {extra[:4]})"
        )
    keys = tuple(tensors[f"layers.{i}.keys"] for i in range(num_layers))
    values = tuple(tensors[f"layers.{i}.values"] for i in range(num_layers))
    return keys, values


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_meta(meta: Mapping[str, Any], where: str) -> None:
    """The metadata's types, before any of it is used."""
    if not isinstance(meta["model_fingerprint"], Mapping):
        found = type(meta["model_fingerprint"]).__name__
        raise KVFormatError(f"{where}: meta['model_fingerprint'] must be a mapping, got {found}")
    for name in ("token_ids", "context_ids"):
        ids = meta.get(name, [])
        if not isinstance(ids, list) or not all(_is_int(t) and t >= 0 for t in ids):
            raise KVFormatError(f"{where}: meta[{name!r}] must be a list of token ids (ints >= 0)")
    for name, minimum in (("num_layers", 1), ("offset", 0), ("num_tokens", 0)):
        value = meta.get(name, minimum)
        if not _is_int(value) or value < minimum:
            raise KVFormatError(f"{where}: meta[{name!r}] must be an int >= {minimum}, got {value!r}")
    if "num_tokens" in meta and meta["num_tokens"] != len(meta["token_ids"]):
        raise KVFormatError(f"{where}: meta says {meta['num_tokens']} tokens but lists {len(meta['token_ids'])}")
    if not isinstance(meta["dtype"], str):
        raise KVFormatError(f"{where}: meta['dtype'] must be a string, got {meta['dtype']!r}")


def _check_tensor(name: str, tensor: Any, where: str) -> None:
    import torch

    if not isinstance(tensor, torch.Tensor):
        raise KVFormatError(f"{where}: {name} is a {type(tensor).__name__}, not a tensor")
    if tensor.dim() != 4 or tensor.shape[0] != 1:
        raise KVFormatError(f"{where}: {name} is {list(tensor.shape)}, expected [1, kv_heads, tokens, head_dim]")
    if not tensor.is_floating_point():
        raise KVFormatError(f"{where}: {name} is {tensor.dtype}, not a floating-point tensor")
    if not bool(torch.isfinite(tensor).all()):
        raise KVFormatError(f"{where}: {name} holds NaN or infinite values")


def _check_dtype(keys: tuple, dtype: str, where: str) -> None:
    found = str(keys[0].dtype).removeprefix("torch.")
    if found != dtype:
        raise KVFormatError(f"{where}: tensors are {found} but the header says {dtype}")


def _check_heads(keys: tuple, fingerprint: Mapping[str, Any], where: str) -> None:
    heads, head_dim = fingerprint.get("num_kv_heads"), fingerprint.get("head_dim")
    shape = list(keys[0].shape)
    if shape[1] != heads or shape[3] != head_dim:
        raise KVFormatError(f"{where}: tensors are {shape}, the model needs [1, {heads}, tokens, {head_dim}]")

"""Payload <-> bytes. Text is UTF-8; tensors are safetensors, never pickle."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from memos_lab.cube import Kind
from memos_lab.store.errors import CorruptPayloadError

__all__ = ["CorruptPayloadError", "decode_payload", "encode_payload"]


def encode_payload(kind: Kind, payload: Any) -> bytes:
    if kind is Kind.PLAINTEXT:
        if not isinstance(payload, str):
            raise TypeError(f"plaintext payload must be str, got {type(payload).__name__}")
        return payload.encode("utf-8")
    return encode_tensors(payload)


def decode_payload(kind: Kind, data: bytes) -> Any:
    if kind is Kind.PLAINTEXT:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CorruptPayloadError(f"not valid UTF-8 text: {exc}") from exc
    return decode_tensors(data)


def encode_tensors(tensors: Mapping[str, Any]) -> bytes:
    from safetensors.torch import save

    if not isinstance(tensors, Mapping) or not tensors:
        raise TypeError("a tensor payload must be a non-empty mapping of names to tensors")
    return save({name: t.detach().contiguous().cpu() for name, t in tensors.items()})


def decode_tensors(data: bytes) -> dict[str, Any]:
    from safetensors.torch import load

    try:
        return load(data)
    except Exception as exc:  # safetensors raises its own SafetensorError and others
        raise CorruptPayloadError(f"not a valid safetensors payload: {exc}") from exc

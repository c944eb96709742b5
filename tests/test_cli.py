from __future__ import annotations

import subprocess
import sys

import pytest

from memos_lab.cli import main
from memos_lab.cube import MemCube, plaintext_cube
from memos_lab.store import CubeStore


@pytest.fixture
def store_dir(tmp_path):
    root = tmp_path / "store"
    with CubeStore(root) as store:
        first = store.put(
            plaintext_cube("Alice likes tea.", namespace="alice-ns", owner="alice", cube_id="tea"), "alice"
        )
        store.update(MemCube(first, "Alice likes coffee."), "alice")
        store.put(plaintext_cube("Bob plays chess.", namespace="bob-ns", owner="bob", cube_id="chess"), "bob")
    return root


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ls_show_history(store_dir, capsys):
    code, out, _ = run(capsys, "cube", "ls", "--store", str(store_dir))
    assert code == 0 and "tea" in out and "chess" in out
    _, out, _ = run(capsys, "cube", "ls", "--store", str(store_dir), "--actor", "bob")
    assert "chess" in out and "tea" not in out
    _, out, _ = run(capsys, "cube", "show", "tea", "--store", str(store_dir), "--version", "1")
    assert '"version": 1' in out and "Alice likes tea." in out
    _, out, _ = run(capsys, "cube", "history", "tea", "--store", str(store_dir))
    assert [line.split()[1] for line in out.splitlines()[1:]] == ["1", "2"]


def test_verify_finds_a_planted_damaged_blob(store_dir, capsys):
    assert run(capsys, "cube", "verify", "--store", str(store_dir))[0] == 0
    with CubeStore(store_dir) as store:
        blob = store.blobs.path(store.header("chess", "bob").content_hash)
    blob.write_bytes(b"Bob plays chest.")
    code, out, _ = run(capsys, "cube", "verify", "--store", str(store_dir))
    assert code == 1
    assert "cube chess version 1" in out and str(blob) in out and "1 damaged cubes" in out


def test_export_import_gc(store_dir, tmp_path, capsys):
    bundle, target = tmp_path / "alice.bundle", tmp_path / "target"
    code, out, _ = run(capsys, "cube", "export", str(bundle), "--store", str(store_dir), "--namespace", "alice-ns")
    assert code == 0 and "exported 1 cube versions" in out
    code, out, _ = run(capsys, "cube", "import", str(bundle), "--store", str(target))
    assert code == 0 and "imported 1 cubes" in out
    code, out, _ = run(capsys, "cube", "gc", "--store", str(target))
    assert code == 0 and "removed 0 orphan blobs" in out


def test_errors_are_one_line_and_exit_2(store_dir, tmp_path, capsys):
    code, _, err = run(capsys, "cube", "show", "tea", "--store", str(store_dir), "--actor", "bob")
    assert code == 2 and "'bob' may not read cube tea" in err
    code, _, err = run(capsys, "cube", "ls", "--store", str(tmp_path / "nowhere"))
    assert code == 2 and "no cube store at" in err
    assert not (tmp_path / "nowhere").exists()


def test_console_script_help_runs():
    result = subprocess.run([sys.executable, "-m", "memos_lab.cli", "cube", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "verify" in result.stdout

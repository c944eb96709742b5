from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from memos_lab.cli import main
from memos_lab.cube import CubeHeader, Kind, MemCube, plaintext_cube
from memos_lab.store import ADMIN, CubeStore


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
    code, out, _ = run(capsys, "cube", "ls", "--store", str(store_dir), "--actor", ADMIN)
    assert code == 0 and "tea" in out and "chess" in out
    _, out, _ = run(capsys, "cube", "ls", "--store", str(store_dir), "--actor", "bob")
    assert "chess" in out and "tea" not in out
    _, out, _ = run(capsys, "cube", "show", "tea", "--store", str(store_dir), "--version", "1", "--actor", ADMIN)
    assert '"version": 1' in out and "Alice likes tea." in out
    _, out, _ = run(capsys, "cube", "history", "tea", "--store", str(store_dir), "--actor", ADMIN)
    assert [line.split()[1] for line in out.splitlines()[1:]] == ["1", "2"]


def test_verify_finds_a_planted_damaged_blob(store_dir, capsys):
    assert run(capsys, "cube", "verify", "--store", str(store_dir), "--actor", ADMIN)[0] == 0
    with CubeStore(store_dir) as store:
        blob = store.blobs.path(store.header("chess", "bob").content_hash)
    blob.write_bytes(b"Bob plays chest.")
    code, out, _ = run(capsys, "cube", "verify", "--store", str(store_dir), "--actor", ADMIN)
    assert code == 1
    assert "cube chess version 1" in out and str(blob) in out and "1 damaged cubes" in out


def test_export_import_gc(store_dir, tmp_path, capsys):
    bundle, target = tmp_path / "alice.bundle", tmp_path / "target"
    code, out, _ = run(
        capsys, "cube", "export", str(bundle), "--store", str(store_dir), "--namespace", "alice-ns", "--actor", ADMIN
    )
    assert code == 0 and "exported 1 cube versions" in out
    code, out, _ = run(capsys, "cube", "import", str(bundle), "--store", str(target), "--actor", ADMIN)
    assert code == 0 and "imported 1 cubes" in out
    code, out, _ = run(capsys, "cube", "gc", "--store", str(target), "--actor", ADMIN)
    assert code == 0 and "removed 0 orphan blobs" in out


def test_errors_are_one_line_and_exit_2(store_dir, tmp_path, capsys):
    code, _, err = run(capsys, "cube", "show", "tea", "--store", str(store_dir), "--actor", "bob")
    assert code == 2 and "'bob' may not read cube tea" in err
    code, _, err = run(capsys, "cube", "ls", "--store", str(tmp_path / "nowhere"), "--actor", ADMIN)
    assert code == 2 and "no cube store at" in err
    assert not (tmp_path / "nowhere").exists()


def test_console_script_help_runs():
    result = subprocess.run([sys.executable, "-m", "memos_lab.cli", "cube", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "verify" in result.stdout


def test_there_is_no_default_actor(store_dir, capsys):
    with pytest.raises(SystemExit) as raised:
        main(["cube", "ls", "--store", str(store_dir)])
    assert raised.value.code == 2 and "--actor" in capsys.readouterr().err


def test_gc_leaves_stray_files_in_the_blob_folder_alone(store_dir, capsys):
    strays = [store_dir / "blobs" / "README", store_dir / "blobs" / "ab" / "notes.txt"]
    for stray in strays:
        stray.parent.mkdir(exist_ok=True)
        stray.write_text("not a blob")
    code, out, err = run(capsys, "cube", "gc", "--store", str(store_dir), "--actor", ADMIN)
    assert (code, err) == (0, "") and "removed 0 orphan blobs" in out
    assert all(stray.exists() and f"left alone: {stray}" in out for stray in strays)


def test_ls_into_a_closed_pipe_ends_quietly(tmp_path):
    root = tmp_path / "many"
    with CubeStore(root) as store:  # enough rows to overflow the pipe buffer after the reader leaves
        store.put_many([plaintext_cube(f"m{i}", namespace="ns", owner="alice") for i in range(1500)], "alice")
    command = [sys.executable, "-m", "memos_lab.cli", "cube", "ls", "--store", str(root), "--actor", "alice"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.readline().split()[0] == b"id"
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait() == 0 and "Error" not in err and "Traceback" not in err, err


def test_show_summarises_long_lists_and_prints_utc_times(tmp_path, capsys):
    header = CubeHeader(id="kv", namespace="ns", owner="alice", kind=Kind.ACTIVATION, created_at=1_700_000_000.0,
                        meta={"token_ids": list(range(1179)), "dtype": "float32"})  # fmt: skip
    with CubeStore(tmp_path / "s") as store:
        store.put(MemCube(header, {"layers.0.keys": torch.zeros(1, 2, 3, 4)}), "alice")
    code, out, _ = run(capsys, "cube", "show", "kv", "--store", str(tmp_path / "s"), "--actor", "alice")
    assert code == 0 and len(out.splitlines()) < 60
    assert '"token_ids": "1179 items: [0, 1, 2, 3, 4, 5, 6, 7, ...]"' in out
    assert '"created_at": "2023-11-14T22:13:20Z"' in out and "1700000000" not in out


def test_ls_reports_a_damaged_cube_and_lists_the_rest(store_dir, capsys):
    import sqlite3

    with sqlite3.connect(store_dir / "catalogue.sqlite") as conn:
        conn.execute("UPDATE cubes SET header = '[]' WHERE id = 'chess'")
    code, out, err = run(capsys, "cube", "ls", "--store", str(store_dir), "--actor", ADMIN)
    assert code == 0 and "tea" in out and "chess" not in out
    assert "warning: 1 damaged cubes left out" in err and "chess" in err

"""scripts/plot_tradeoffs.py: real matplotlib PNGs and a sidecar from results tables and run directories."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from PIL import Image
from run_dir_builder import write_run
from script_loader import REPO, load_script, strict_json
from tradeoff_tables import MODES_ROWS, SWEEP_ROWS, SYSTEM_ROWS, write_table

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path):
    assert path.read_bytes()[:8] == PNG_MAGIC, path
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size[0] > 500 and len(image.getcolors(1 << 20) or ()) > 2


def test_tables_become_two_pngs_and_a_sidecar(tmp_path):
    tables = [write_table(tmp_path / "main.json", SYSTEM_ROWS), write_table(tmp_path / "sweep.json", SWEEP_ROWS),
              write_table(tmp_path / "modes.json", MODES_ROWS)]  # fmt: skip
    out = tmp_path / "plots" / "tiny"
    load_script("plot_tradeoffs").main([*map(str, tables), "--out", str(out)])
    for axis in ("bytes", "ttft"):
        assert_png(tmp_path / "plots" / f"tiny_accuracy_vs_{axis}.png")
    sidecar = strict_json(out.with_suffix(".json"))
    assert [p["label"] for p in sidecar["points"]][-2:] == ["oracle 256 tokens", "kv exact (recompute 0)"]
    assert sidecar["made_by"]["command"].startswith("python scripts/plot_tradeoffs.py")
    assert sidecar["made_by"]["git"]["commit"] and sidecar["figures"] == ["tiny_accuracy_vs_bytes.png",
                                                                          "tiny_accuracy_vs_ttft.png"]
    markdown = out.with_suffix(".md").read_text()
    assert "| lru 256 tokens | activation | lru | f1 | 0.150 |" in markdown and "Made by `python" in markdown
    with pytest.raises(SystemExit, match="--force"):
        load_script("plot_tradeoffs").main([str(tables[0]), "--out", str(out)])


def test_run_directories_give_their_points_and_dirty_runs_wait_for_include_dirty(tmp_path):
    write_run(tmp_path / "runs" / "clean")
    write_run(tmp_path / "runs" / "dirty", dirty=True)
    write_run(tmp_path / "runs" / "cut", status="cancelled")
    out = tmp_path / "plots" / "runs"
    load_script("plot_tradeoffs").main([str(tmp_path / "runs"), "--out", str(out)])
    sidecar = strict_json(out.with_suffix(".json"))
    assert [p["label"] for p in sidecar["points"]] == ["memos/plaintext (hybrid, k=10)", "none"]
    assert sorted(s.split(": ")[1] for s in sidecar["skipped"]) == ["dirty git tree", "status cancelled"]
    load_script("plot_tradeoffs").main([str(tmp_path / "runs"), "--out", str(out), "--include-dirty", "--force"])
    assert len(strict_json(out.with_suffix(".json"))["points"]) == 4


def test_wandb_gets_the_figures_and_points_offline(tmp_path):
    import wandb

    table = write_table(tmp_path / "sweep.json", SWEEP_ROWS)
    wandb_dir = tmp_path / "wb"
    load_script("plot_tradeoffs").main([str(table), "--out", str(tmp_path / "t"), "--wandb", "--wandb-dir",
                                        str(wandb_dir)])  # fmt: skip
    wandb.teardown()
    (run,) = (wandb_dir / "wandb").glob("offline-run-*")
    images = sorted((run / "files" / "media" / "images" / "tradeoff").glob("*.png"))
    assert [p.name.split("_")[2] for p in images] == ["bytes", "ttft"]
    assert b"tradeoffs-t" in next(run.glob("run-*.wandb")).read_bytes()  # the sidecar artifact


def test_results_are_refused_from_a_dirty_tree_and_written_from_a_clean_one(tmp_path):
    clone = tmp_path / "clone"  # the committed code, in a tree of its own to make dirty
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    table = write_table(tmp_path / "sweep.json", SWEEP_ROWS)
    command = [sys.executable, str(clone / "scripts" / "plot_tradeoffs.py"), str(table), "--out",
               str(clone / "results" / "tiny")]  # fmt: skip
    (clone / "scratch.txt").write_text("uncommitted")
    refused = subprocess.run(command, capture_output=True, text=True)
    assert refused.returncode != 0 and "dirty tree" in refused.stderr
    assert not list((clone / "results").glob("tiny*"))
    (clone / "scratch.txt").unlink()
    made = subprocess.run(command, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    sidecar = json.loads((clone / "results" / "tiny.json").read_text())
    assert "dirty" not in sidecar and sidecar["made_by"]["git"]["dirty"] is False
    assert_png(clone / "results" / "tiny_accuracy_vs_bytes.png")

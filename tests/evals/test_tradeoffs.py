"""Trade-off points from results tables and run directories, and their figures rendered by matplotlib."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from run_dir_builder import LOCOMO_RECORDS, metrics, write_run
from tradeoff_tables import MODES_ROWS, SWEEP_ROWS, SYSTEM_ROWS, write_table

from evals.tradeoff_plots import figures, png_bytes
from evals.tradeoffs import TradeoffInputError, points_of_run_dir, points_of_table


def test_each_table_shape_gives_one_point_per_row(tmp_path):
    systems = points_of_table(write_table(tmp_path / "main.json", SYSTEM_ROWS))
    sweep = points_of_table(write_table(tmp_path / "sweep.json", SWEEP_ROWS))
    modes = points_of_table(write_table(tmp_path / "modes.json", MODES_ROWS))
    assert [(p.tier, p.policy, p.metric, p.accuracy, p.bytes_stored) for p in systems] == [
        ("none", "none", "f1", 0.05, 0), ("plaintext", "none", "f1", 0.12, 110_638)]
    assert [(p.label, p.tier, p.policy, p.bytes_source) for p in sweep] == [
        ("lru 256 tokens", "activation", "lru", "kv_resident_bytes_max"),
        ("oracle 256 tokens", "activation", "oracle", "kv_resident_bytes_max")]
    assert modes[0].bytes_stored is None and modes[0].ttft_p50_ms == 1747.0


def test_a_file_that_is_no_table_is_refused_by_name(tmp_path):
    bench = tmp_path / "bench.json"
    bench.write_text('{"command": "python scripts/bench_kv.py"}')
    with pytest.raises(TradeoffInputError, match="bench.json"):
        points_of_table(bench)
    with pytest.raises(TradeoffInputError, match="odd.json"):
        points_of_table(write_table(tmp_path / "odd.json", [{"x": 1}]))


def test_a_run_directory_gives_its_point_and_its_baselines(tmp_path):
    run_dir = write_run(tmp_path / "run")
    points = points_of_run_dir(run_dir)
    assert [(p.label, p.tier) for p in points] == [("memos/plaintext (hybrid, k=10)", "plaintext"), ("none", "none")]
    assert points[0].accuracy == metrics(LOCOMO_RECORDS)["f1"] and points[0].ttft_p50_ms == 640.2


def test_the_figures_render_as_png_with_a_point_left_off_where_it_has_no_x(tmp_path):
    points = [*points_of_table(write_table(tmp_path / "a.json", SYSTEM_ROWS + SWEEP_ROWS)),
              *points_of_table(write_table(tmp_path / "b.json", MODES_ROWS))]
    made = figures(points, "tiny")
    assert set(made) == {"bytes", "ttft"}
    assert "1 point(s) without bytes left off" in made["bytes"].axes[0].get_title()
    image = Image.open(io.BytesIO(png_bytes(made["ttft"])))
    assert image.format == "PNG" and image.size[0] > 500

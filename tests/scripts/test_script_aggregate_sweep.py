"""scripts/aggregate_sweep.py: a sweep directory as one table, failed runs listed with their error."""

from __future__ import annotations

import csv
import json

from script_loader import load_script, strict_json

aggregate_sweep = load_script("aggregate_sweep")
METRICS = {"n": 3, "f1": 0.25, "bleu1": 0.5, "evidence_recall@10": None,
           "latency_ms": {"answer": {"p50": 12.0, "p95": 20.0}}}  # fmt: skip


def _run(sweep, name, overrides, status, metrics=None):
    run = sweep / name
    (run / ".hydra").mkdir(parents=True)
    (run / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
    (run / "status.json").write_text(json.dumps(status))
    if metrics is not None:
        (run / "metrics.json").write_text(json.dumps(metrics))


def test_a_sweep_becomes_one_table_with_its_failures(tmp_path, capsys):
    sweep = tmp_path / "sweep"
    _run(sweep, "0_policy=lru", ["policy=lru"], {"status": "complete"}, METRICS)
    _run(sweep, "1_policy=lfu", ["policy=lfu"], {"status": "failed", "error": "ValueError: no | such"})
    _run(sweep, "2_policy=arc", ["policy=arc"], {"status": "running"})
    out = tmp_path / "table"
    assert aggregate_sweep.main([str(sweep), "--out", str(out), "--wandb", "offline"]) == 1  # a run failed
    assert "sweep: 1/3 complete, 1 running, 1 failed" in capsys.readouterr().out
    table = strict_json(out.with_suffix(".json"))
    assert [(r["run"], r["status"], r["score"]) for r in table["rows"]] == [
        ("policy=lru", "complete", 0.25), ("policy=lfu", "failed", None), ("policy=arc", "running", None)]
    assert table["rows"][0]["answer_p50_ms"] == 12.0 and table["counts"]["failed"] == 1
    markdown = out.with_suffix(".md").read_text()
    assert "| policy=lru | complete | 3 | f1 | 0.250 | - | 12.000 | - |" in markdown
    assert "- `policy=lfu`: ValueError: no | such" in markdown
    rows = list(csv.DictReader(out.with_suffix(".csv").open()))
    assert rows[1]["error"] == "ValueError: no | such"
    (offline,) = (sweep / "wandb").glob("offline-run-*")  # only the complete run is logged
    assert offline.is_dir()


def test_a_missing_sweep_is_one_line(tmp_path, capsys):
    import pytest

    with pytest.raises(SystemExit) as stop:
        aggregate_sweep.main([str(tmp_path / "nowhere")])
    assert stop.value.code == 2 and "no such sweep directory" in capsys.readouterr().err

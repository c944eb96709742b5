"""scripts/export_leaderboard.py: one entry per system in the documented schema; partial and dirty runs refused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from run_dir_builder import config, environment, write_run
from script_loader import REPO, load_script, strict_json

from evals.judges.cache import JudgeCache, Reply, prompt_sha256
from evals.judges.endpoint import EndpointJudge
from evals.judges.prompts import judge_prompt
from evals.judges.stage import judge_run

SYSTEM = "memos/plaintext (hybrid, k=10)"


@pytest.fixture(scope="module")
def exporter():
    return load_script("export_leaderboard")


def _export(exporter, tmp_path, *runs, extra=()):
    out = tmp_path / "leaderboard"
    exporter.main([*map(str, runs), "--out", str(out), *extra])
    return {(e := strict_json(p))["system"]: e for p in sorted(out.glob("*.json"))}


def test_each_system_gets_one_entry_in_the_documented_schema(exporter, tmp_path):
    entries = _export(exporter, tmp_path, write_run(tmp_path / "run"))
    assert set(entries) == {SYSTEM, "none"}
    main, baseline = entries[SYSTEM], entries["none"]
    assert tuple(main) == exporter.FIELDS and main["schema"] == "memos_lab.leaderboard/1"
    assert main["role"] == "system" and baseline["role"] == "baseline"
    assert main["git"] == {"commit": "3a5a09fbf77427711d995d1636779b07dba55444", "dirty": False, "resumed_at": [],
                           "adopted_from": []}
    assert main["dataset"]["name"] == "locomo" and main["dataset"]["scoring_version"] == 2
    assert main["dataset"]["sha256"].startswith("987d4d1b") and main["model"]["name"] == "smollm2"
    assert main["metrics"]["f1"] == 0.25 and "latency_ms" not in main["metrics"] and main["judges"] == []
    assert main["costs"]["latency_ms"]["answer"] == {"p50": 640.2, "p95": 700.5}
    assert main["costs"]["bytes_stored"] == {"plaintext": 82234} and main["costs"]["ingest_s"] == 13.1
    assert main["costs"]["prompt_tokens_mean"] == 812.0 and main["n_questions"] == 4
    assert main["config_sha256"] != baseline["config_sha256"]
    assert main["exported_by"]["command"].startswith("python scripts/export_leaderboard.py")


def test_the_readme_documents_every_field(exporter):
    section = (REPO / "README.md").read_text().split("## Leaderboard export", 1)[1].split("\n## ", 1)[0]
    assert all(f"`{field}`" in section for field in exporter.FIELDS)


def test_the_config_hash_is_what_was_measured(exporter, tmp_path):
    run_dir = write_run(tmp_path / "a")
    base = exporter.config_sha256(config(), run_dir)
    elsewhere = dict(config(), torch_threads=2, memory=dict(config()["memory"], store_dir=str(tmp_path / "b/store")))
    assert exporter.config_sha256(dict(config(), memory=dict(config()["memory"], store_dir=str(run_dir / "store"))),
                                  run_dir) == exporter.config_sha256(elsewhere, tmp_path / "b")
    assert exporter.config_sha256(dict(config(), torch_threads=2), run_dir) == base
    assert exporter.config_sha256(dict(config(), dataset=dict(config()["dataset"], path="/x")), run_dir) == base
    assert exporter.config_sha256(dict(config(), memory=dict(config()["memory"], top_k=5)), run_dir) != base
    assert exporter.config_sha256(config(), run_dir, baseline="none") != base


def test_a_judged_run_carries_its_judges(exporter, tmp_path):
    run_dir = write_run(tmp_path / "run", baselines={})
    judge = EndpointJudge("http://127.0.0.1:9/v1", "gpt-4o-mini", n=2)  # every reply is cached: nothing is sent
    cache = JudgeCache(tmp_path / "cache.sqlite")
    for record in json_lines(run_dir / "records.jsonl")[:3]:
        for sample in range(2):
            text = '{"label": "CORRECT"}' if record["qid"] != "26:q4" else '{"label": "WRONG"}'
            digest = prompt_sha256(judge_prompt("locomo", record).text)
            cache.put(digest, judge.identity, sample, Reply(text, 400, 6, 0.5))
    judge_run(run_dir, judge, cache, progress=False)
    (judged,) = _export(exporter, tmp_path, run_dir)[SYSTEM]["judges"]
    assert judged["judge"]["model"] == "gpt-4o-mini" and judged["judge"]["comparable_with_gpt4o_mini"] is True
    assert judged["accuracy"] == pytest.approx(2 / 3) and judged["std"] == 0.0 and judged["n"] == 3
    assert judged["prompt_version"] == 1 and "calls" not in judged


def json_lines(path: Path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def _resumed_dirty(run_dir):
    env = environment()
    env["resumed"] = [environment(dirty=True, commit="1" * 40)]
    (run_dir / "environment.json").write_text(json.dumps(env))


def _undescribed(run_dir):
    env = environment()
    env["git"]["dirty"] = None
    (run_dir / "environment.json").write_text(json.dumps(env))


def _adopted_from_a_dirty_shard(run_dir):
    env = environment()
    shard = environment(dirty=True, commit="2" * 40)
    env["adopted"] = [{"shard": "runs/shard", "records": {".": 2}, "environment": shard, "by": environment()}]
    (run_dir / "environment.json").write_text(json.dumps(env))


def _partial_baseline(run_dir):
    (run_dir / "baselines" / "none" / "metrics.json").unlink()


def _no_metrics(run_dir):
    (run_dir / "metrics.json").unlink()


@pytest.mark.parametrize("make, damage, message", [
    ({"dirty": True}, None, "refused, its tree was dirty at commit 3a5a09fb"),
    ({}, _resumed_dirty, "refused, its tree was dirty at commit 1111"),
    ({}, _undescribed, "refused, git could not tell whether its tree was clean"),
    ({}, _adopted_from_a_dirty_shard, "refused, its tree was dirty at commit 2222"),
    ({"status": "running"}, None, "the run is running, not complete (a partial run)"),
    ({"status": "cancelled"}, None, "the run is cancelled, not complete"),
    ({}, _no_metrics, "the run is complete, not complete"),
    ({}, _partial_baseline, "baseline none has no metrics.json (a partial run)"),
])  # fmt: skip
def test_partial_and_dirty_runs_are_refused_and_nothing_is_written(exporter, tmp_path, make, damage, message):
    good, bad = write_run(tmp_path / "runs" / "a"), write_run(tmp_path / "runs" / "b", **make)
    if damage is not None:
        damage(bad)
    with pytest.raises(SystemExit, match=re.escape(message)):
        exporter.main([str(good), str(bad), "--out", str(tmp_path / "out")])
    assert not (tmp_path / "out").exists()


def test_a_missing_run_directory_is_named(exporter, tmp_path):
    with pytest.raises(SystemExit, match="nope: no such run directory"):
        exporter.main([str(tmp_path / "nope"), "--out", str(tmp_path / "out")])


def test_an_entry_with_other_content_is_replaced_only_with_force(exporter, tmp_path):
    run_dir = write_run(tmp_path / "runs" / "a")
    _export(exporter, tmp_path, tmp_path / "runs")
    (path,) = (tmp_path / "leaderboard").glob("*--none--*.json")
    path.write_text("{}\n")
    with pytest.raises(SystemExit, match="exists with other content; pass --force"):
        _export(exporter, tmp_path, run_dir)
    assert _export(exporter, tmp_path, run_dir, extra=["--force"])["none"]["schema"] == "memos_lab.leaderboard/1"


def test_a_run_folder_is_searched_for_runs(exporter, tmp_path):
    write_run(tmp_path / "runs" / "a")
    config_path = write_run(tmp_path / "runs" / "b") / "config.yaml"
    config_path.write_text(yaml.safe_dump(dict(config(), memory=dict(config()["memory"], top_k=5))))
    out = tmp_path / "leaderboard"
    exporter.main([str(tmp_path / "runs"), "--out", str(out)])
    assert len(list(out.glob("*.json"))) == 3  # two configured systems, one shared baseline config

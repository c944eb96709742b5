"""`python -m evals.judge` on bad input: one line naming what was wrong, exit status 2, nothing judged."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from run_dir_builder import write_run

from evals.judge import main

REPO = Path(__file__).resolve().parents[3]
ENDPOINT = ["judge=openai", "judge.base_url=http://127.0.0.1:9/v1", "judge.model=m", "judge.timeout_s=2"]


def _error(capsys, args):
    assert main([str(a) for a in args]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    last = err.replace("\r", "\n").strip().splitlines()[-1]  # after any cleared progress bar
    assert last.startswith(("error: ", "usage: "))
    return last


def test_a_missing_run_directory(tmp_path, capsys):
    assert "no such run directory" in _error(capsys, [tmp_path / "nope", *ENDPOINT])


def test_a_folder_that_is_not_a_run(tmp_path, capsys):
    assert "not a run directory (no config.yaml" in _error(capsys, [tmp_path, *ENDPOINT])


def test_a_partial_run_is_refused(tmp_path, capsys):
    run_dir = write_run(tmp_path / "run", status="running")
    assert "the run is running, not complete (a partial run)" in _error(capsys, [run_dir, *ENDPOINT])
    assert not (run_dir / "judge").exists()


def test_a_partial_baseline_is_refused(tmp_path, capsys):
    run_dir = write_run(tmp_path / "run", baselines={})
    (run_dir / "baselines" / "none").mkdir(parents=True)
    (run_dir / "baselines" / "none" / "records.jsonl").write_text(json.dumps({"qid": "26:q0"}) + "\n")
    assert "none: no metrics.json, the system's answers are partial" in _error(capsys, [run_dir, *ENDPOINT])
    assert not (run_dir / "judge").exists()


@pytest.mark.parametrize("overrides, message", [
    ([], "name a judge: judge=local"),
    (["judge=openai", "judge.model=m"], "judge.base_url is required"),
    ([*ENDPOINT, "judge.n=0"], "judge.n=0 must be >= 1"),
    ([*ENDPOINT, "judge.temperature=0.5"], "temperature"),
    (["judge=oracle"], "judge"),
    (["judge=local", "judge.dtype=int8"], "judge.dtype='int8' must be one of"),
])  # fmt: skip
def test_a_bad_judge_config_names_the_key(tmp_path, capsys, overrides, message):
    assert message in _error(capsys, [write_run(tmp_path / "run"), *overrides])


def test_an_unreachable_endpoint(tmp_path, capsys):
    run_dir = write_run(tmp_path / "run")
    assert "cannot reach http://127.0.0.1:9/v1" in _error(capsys, [run_dir, *ENDPOINT, f"judge.cache={tmp_path / 'c'}"])


def test_a_dataset_without_a_published_judge_prompt(tmp_path, capsys):
    run_dir = write_run(tmp_path / "run", dataset_target="evals.datasets.longbench.LongBenchDataset")
    assert "no published judge prompt for dataset 'longbench'" in _error(capsys, [run_dir, *ENDPOINT])
    assert not (run_dir / "judge").exists()


def test_no_arguments_prints_the_usage(capsys):
    assert "usage: python -m evals.judge RUN_DIR" in _error(capsys, [])


def test_the_module_entry_point_prints_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "evals.judge", str(tmp_path / "nope"), *ENDPOINT], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'nope'}: no such run directory"]

"""A sweep killed with SIGTERM stops, and the same command resumes it: finished runs skipped,
unfinished ones resumed without duplicated records, a failed run reported without stopping the others."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from sweep_helpers import ENV, REPO, TINY, qids, read_json, run_py, the_sweep_dir

from evals.threads import usable_cores

SWEEP = ["-m", *TINY, "dataset.question_sample=2", "dataset.sample_ids=[26],[30],[999]", "torch_threads=1"]


def _killed_once_answering(cwd, arguments):
    """Start the sweep, SIGTERM its driver once a run has recorded an answer; the sweep directory."""
    driver = subprocess.Popen([sys.executable, str(REPO / "run.py"), *arguments], cwd=cwd, env=ENV, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    while driver.poll() is None and not list(cwd.glob("runs/*/multirun/*/*/records.jsonl")):
        time.sleep(0.2)
    driver.send_signal(signal.SIGTERM)
    _, stderr = driver.communicate(timeout=120)
    assert driver.returncode == 130 and "Resume with" in stderr and "Traceback" not in stderr
    return the_sweep_dir(cwd)


@pytest.mark.slow
def test_a_killed_sweep_resumes_without_duplicates_and_reports_its_failure(tmp_path):
    sweep = _killed_once_answering(tmp_path, SWEEP)
    first = next(sweep.glob("0_*"))
    assert read_json(first / "status.json")["status"] == "cancelled" and not list(sweep.glob("1_*"))

    resumed = run_py(tmp_path, *SWEEP)
    assert resumed.returncode == 1, resumed.stderr[-2000:]  # the run of conversation 999 failed
    assert "sweep: 2/3 complete, 1 failed" in resumed.stderr and "unknown LoCoMo sample_ids" in resumed.stderr
    runs = sorted(p for p in sweep.iterdir() if p.is_dir())
    assert [read_json(r / "status.json")["status"] for r in runs] == ["complete", "complete", "failed"]
    assert len(qids(first)) == len(set(qids(first))) == 2 and len(qids(runs[1])) == 2
    assert len(read_json(first / "environment.json")["resumed"]) == 1
    status = read_json(sweep / "sweep_status.json")
    assert status["counts"]["failed"] == 1 and "999" in status["runs"][2]["error"]

    again = run_py(tmp_path, *SWEEP[:-1])  # the same sweep (torch_threads says how, not what): nothing to redo
    assert again.returncode == 1 and again.stdout.count("complete, skipped") == 2
    assert len(read_json(first / "environment.json")["resumed"]) == 1 and len(qids(first)) == 2


@pytest.mark.slow
def test_a_killed_parallel_sweep_stops_its_workers_and_resumes(tmp_path):
    sweep_args = ["-m", "hydra/launcher=parallel", *TINY, "dataset.question_sample=3", "dataset.sample_ids=[26],[30]"]
    sweep = _killed_once_answering(tmp_path, sweep_args)
    sizes = {p: p.stat().st_size for p in sweep.glob("*/records.jsonl")}
    time.sleep(5)
    assert {p: p.stat().st_size for p in sweep.glob("*/records.jsonl")} == sizes, "a worker outlived the sweep"

    resumed = run_py(tmp_path, *sweep_args)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    for run in sorted(p for p in sweep.iterdir() if p.is_dir()):
        assert read_json(run / "status.json")["status"] == "complete"
        assert len(qids(run)) == len(set(qids(run))) == 3
        assert read_json(run / "environment.json")["torch_threads"] == max(1, usable_cores() // 2)

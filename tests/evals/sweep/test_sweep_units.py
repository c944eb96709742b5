"""A sweep's directory, its runs' threads and its status, without running a model."""

from __future__ import annotations

import json
from pathlib import Path

from omegaconf import OmegaConf

from evals.sweep.status import counts, progress_line, sweep_status
from evals.sweep.sweep_dir import sweep_id, with_sweep_dir
from evals.sweep.threads import job_threads, launcher_threads
from evals.threads import usable_cores


def test_the_same_arguments_name_the_same_sweep_whatever_the_launcher():
    base = ["-m", "policy=lru,lfu", "seed=0,1"]
    assert sweep_id(base) == sweep_id(list(reversed(base)))
    assert sweep_id(base) == sweep_id([*base, "hydra/launcher=parallel", "hydra.launcher.n_jobs=4", "torch_threads=1"])
    assert sweep_id(base) != sweep_id(["-m", "policy=lru,lfu", "seed=0,1,2"])


def test_only_a_multirun_without_its_own_dir_gets_one(tmp_path):
    assert with_sweep_dir(["run.py", "policy=lru"], tmp_path) == ["run.py", "policy=lru"]
    given = ["run.py", "-m", "policy=lru", "hydra.sweep.dir=mine"]
    assert with_sweep_dir(given, tmp_path) == given
    added = with_sweep_dir(["run.py", "-m", "policy=lru"], tmp_path)[-1]
    assert added == f"hydra.sweep.dir={tmp_path.resolve()}/runs/${{task_name}}/multirun/{sweep_id(['policy=lru'])}"


def test_each_launcher_gives_its_runs_their_cores():
    joblib = OmegaConf.create({"n_jobs": 2, "backend": None})
    assert launcher_threads(joblib) == max(1, usable_cores() // 2)
    assert launcher_threads(OmegaConf.create({"n_jobs": 10 * usable_cores()})) == 1
    assert launcher_threads(OmegaConf.create({"ray": {"init": {}, "remote": {"num_cpus": 3}}})) == 3
    assert launcher_threads(OmegaConf.create({"cpus_per_task": 4, "timeout_min": 5})) == 4
    assert launcher_threads(OmegaConf.create({"_target_": "BasicLauncher"})) is None
    assert job_threads(7, joblib) == 7  # the user's torch_threads wins


def _job(sweep: Path, name: str, overrides: list[str], status: dict | None) -> None:
    (sweep / name / ".hydra").mkdir(parents=True)
    (sweep / name / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
    if status is not None:
        (sweep / name / "status.json").write_text(json.dumps(status))


def test_a_sweep_counts_its_runs_by_status(tmp_path):
    _job(tmp_path, "0_seed=0", ["seed=0"], {"status": "complete"})
    _job(tmp_path, "1_seed=1", ["seed=1"], {"status": "failed", "error": "ValueError: boom"})
    _job(tmp_path, "2_seed=2", ["seed=2"], {"status": "running"})
    _job(tmp_path, "10_seed=10", ["seed=10"], None)
    jobs = sweep_status(tmp_path)
    assert [j.run_dir.name for j in jobs] == ["0_seed=0", "1_seed=1", "2_seed=2", "10_seed=10"]
    assert jobs[1].overrides == ("seed=1",) and jobs[1].error == "ValueError: boom"
    assert counts(jobs) == {"complete": 1, "running": 1, "started": 1, "cancelled": 0, "failed": 1, "total": 4}
    assert progress_line(jobs) == "sweep: 1/4 complete, 1 running, 1 started, 1 failed"

"""The SLURM launcher (hydra-submitit-launcher) as far as it goes without a cluster: a sweep through
submitit's local executor (hydra/launcher=slurm_local), and the sbatch script that
hydra/launcher=slurm hands to `sbatch` (a stand-in that keeps the script and refuses the job)."""

from __future__ import annotations

import os
import stat

import pytest
from sweep_helpers import ENV, TINY, qids, read_json, run_py, the_sweep_dir

pytest.importorskip("hydra_plugins.hydra_submitit_launcher", reason="the cluster extra: pip install -e '.[dev]'")


@pytest.mark.slow
def test_a_sweep_runs_through_submitits_local_executor(tmp_path):
    result = run_py(tmp_path, "-m", "hydra/launcher=slurm_local", *TINY, "dataset.sample_ids=[26],[30]", timeout=540)
    assert result.returncode == 0, result.stderr[-3000:]
    sweep = the_sweep_dir(tmp_path)
    runs = sorted(p for p in sweep.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert len(runs) == 2 and all(read_json(r / "status.json")["status"] == "complete" for r in runs)
    assert all(len(qids(r)) == 1 and read_json(r / "environment.json")["torch_threads"] == 1 for r in runs)
    assert list((sweep / ".submitit").glob("*/*_result.pkl")), "submitit kept no job results"


def test_the_sbatch_script_asks_for_what_the_config_says(tmp_path):
    captured, bin_dir = tmp_path / "submitted.sh", tmp_path / "bin"
    bin_dir.mkdir()
    stand_ins = {"sbatch": f'cp "$1" {captured}\necho "sbatch: error: no cluster here" >&2',  # keeps the script
                 "srun": 'echo "srun: no cluster here" >&2'}  # submitit only checks that it exists  # fmt: skip
    for name, body in stand_ins.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\nexit 1\n")
        (bin_dir / name).chmod((bin_dir / name).stat().st_mode | stat.S_IEXEC)
    env = {**ENV, "PATH": f"{bin_dir}{os.pathsep}{ENV['PATH']}"}
    result = run_py(tmp_path, "-m", "hydra/launcher=slurm", "hydra.launcher.partition=cpu", *TINY,
                    "dataset.sample_ids=[26],[30],[41]", env=env)  # fmt: skip
    assert result.returncode != 0 and captured.exists(), result.stderr[-2000:]
    script = captured.read_text()
    for line in ("#SBATCH --array=0-2%3",  # 3 runs, at most min(array_parallelism=64, 3) at once
                 "#SBATCH --cpus-per-task=2", "#SBATCH --mem=8GB", "#SBATCH --time=60",
                 "#SBATCH --partition=cpu", "#SBATCH --ntasks-per-node=1"):  # fmt: skip
        assert line in script.splitlines(), f"{line!r} not in\n{script}"
    assert "submitit.core._submit" in script and str(the_sweep_dir(tmp_path)) in script

"""A sweep on a real Ray cluster: the test starts a Ray head on 127.0.0.1, runs 4 tiny runs through
hydra/launcher=ray_cluster, checks every run directory, and stops the head."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from sweep_helpers import ENV, TINY, qids, read_json, run_py, the_sweep_dir

pytest.importorskip("hydra_plugins.hydra_ray_launcher", reason="the cluster extra: pip install -e '.[dev]'")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def ray_head():
    """`ray start --head` on 127.0.0.1 with 2 CPUs, stopped (its own process, SIGTERM) after the test."""
    port = _free_port()
    temp_dir = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths must fit 107 bytes
    ray = str(Path(sys.executable).parent / "ray")
    head = subprocess.Popen([ray, "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={port}",
                             "--num-cpus=2", "--include-dashboard=false", f"--temp-dir={temp_dir}"], env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        for line in head.stdout:  # ready once it says it blocks
            if "will now block" in line:
                break
        assert head.poll() is None, "the Ray head did not start"
        yield f"127.0.0.1:{port}"
    finally:
        head.terminate()
        try:
            head.wait(timeout=90)
        except subprocess.TimeoutExpired:
            head.kill()
            head.wait()
        shutil.rmtree(temp_dir, ignore_errors=True)


@pytest.mark.slow
def test_a_sweep_runs_on_a_ray_cluster(tmp_path, ray_head):
    result = run_py(tmp_path, "-m", "hydra/launcher=ray_cluster", f"hydra.launcher.ray.init.address={ray_head}", *TINY,
                    "dataset.sample_ids=[26],[30],[41],[42]", timeout=540)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    sweep = the_sweep_dir(tmp_path)
    runs = sorted(p for p in sweep.iterdir() if p.is_dir())
    assert len(runs) == 4 and "sweep: 4/4 complete" in result.stderr
    for run, sample in zip(runs, ("26", "30", "41", "42"), strict=True):
        assert read_json(run / "status.json")["status"] == "complete"
        assert read_json(run / "metrics.json")["n"] == 1 and len(qids(run)) == 1
        assert read_json(run / "environment.json")["torch_threads"] == 1  # the launcher's remote.num_cpus
        assert f"dataset.sample_ids=[{sample}]" in read_json(run / "environment.json")["command"]

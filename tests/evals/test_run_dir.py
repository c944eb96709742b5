"""A run directory refuses a resume of another config and appends each resume's environment."""

from __future__ import annotations

import json

import pytest
from run_dir_builder import held_by_another_process

from evals.run_dir import RunDirBusyError, RunDirMismatchError, begin, exclusive, write_json
from evals.threads import default_threads, live_pids, register_live_run, usable_cores

CONFIG = {"memory": {"_target_": "NoMemory", "max_new_tokens": 32}, "torch_threads": 1, "seed": 0}


def test_a_resume_appends_its_environment_and_keeps_the_first(tmp_path):
    assert begin(tmp_path, CONFIG, {"git": {"commit": "aaa"}}) is False
    assert begin(tmp_path, CONFIG | {"torch_threads": 2}, {"git": {"commit": "bbb"}}) is True
    env = json.loads((tmp_path / "environment.json").read_text())
    assert env["git"]["commit"] == "aaa" and [r["git"]["commit"] for r in env["resumed"]] == ["bbb"]


def test_a_resume_with_another_system_is_refused(tmp_path):
    begin(tmp_path, CONFIG, {})
    other = CONFIG | {"memory": {"_target_": "MemOSSystem", "max_new_tokens": 32}}
    with pytest.raises(RunDirMismatchError, match="memory._target_"):
        begin(tmp_path, other, {})


def test_json_results_never_hold_nan(tmp_path):
    with pytest.raises(ValueError):
        write_json(tmp_path / "x.json", {"ttft": float("nan")})


def test_threads_are_shared_with_other_live_runs(tmp_path):
    import subprocess
    import sys

    assert default_threads(tmp_path, load=0.0) == usable_cores()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / str(sleeper.pid)).touch()
        (tmp_path / "999999999").touch()  # a dead run's marker is cleaned up
        assert default_threads(tmp_path, load=0.0) == max(1, usable_cores() // 2)
        assert live_pids(tmp_path) == {sleeper.pid} and not (tmp_path / "999999999").exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    register_live_run(tmp_path)
    assert default_threads(tmp_path, load=0.0) == usable_cores()  # itself does not count twice
    assert default_threads(tmp_path, load=float(usable_cores())) == 1  # a busy machine: one thread


@pytest.mark.parametrize(("overrides", "label"), [
    (["+system=none"], "none"),
    (["+system=plaintext"], "memos/plaintext (hybrid, k=10)"),
    (["+system=kv_lru"], "memos/activation+lru (hybrid, k=10)"),
    (["+system=plaintext", "fusion=text_merge"], "memos/plaintext+text_merge (hybrid, k=10)"),
    (["+system=all", "fusion=text_merge"], "memos/all+lru+5 migration rules+text_merge (hybrid, k=10)"),
    (["+system=kv_lru", "kv.mode=composed"], "memos/activation+lru+composed KV (hybrid, k=10)"),
    (["+system=all", "fusion=[kv_concat,lora_merge]"],
     "memos/all+lru+5 migration rules+kv_concat+lora_merge (hybrid, k=10)"),
])
def test_a_system_label_names_tier_policy_migration_and_fusion(overrides, label):
    from omegaconf import OmegaConf

    from evals.run_dir import system_label
    from tests.config_helpers import compose_config

    assert system_label(OmegaConf.to_container(compose_config(overrides), enum_to_str=True)) == label


def test_a_run_directory_is_held_by_one_live_process_and_released_when_it_dies(tmp_path):
    """Two processes resuming one run would both answer its pending questions and append duplicate records."""
    with held_by_another_process(tmp_path):
        with pytest.raises(RunDirBusyError, match="in use by another live process"):
            with exclusive(tmp_path):
                pass
    with exclusive(tmp_path):  # the kernel released the lock with the killed process
        pass


def test_run_py_refuses_a_run_directory_another_process_holds(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    (tmp_path / "run").mkdir()
    with exclusive(tmp_path / "run"):
        result = subprocess.run([sys.executable, str(repo / "run.py"), "memory=none", "logger=none",
                                 "compare_with=[]", f"hydra.run.dir={tmp_path / 'run'}"],
                                cwd=tmp_path, capture_output=True, text=True,
                                env={**os.environ, "WANDB_SILENT": "true"})  # fmt: skip
    assert result.returncode != 0 and "in use by another live process" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "run" / "records.jsonl").exists()

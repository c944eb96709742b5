"""`--model memos` end to end with the real lm-eval, models and data: lm-eval's own CLI (with the plugin's
.pth) writes its results JSON with the task's metrics, the wrapper reports a bad model arg in one line, and
the Python API answers a LongBench sample through the memory system."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from evals.lm_eval_bridge import TASKS_DIR
from evals.lm_eval_plugin import install

REPO = Path(__file__).resolve().parents[3]
SMALL = "memory=memos tier=plaintext memory.top_k=2 torch_threads=1"


def _bridge(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "evals.lm_eval_bridge", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=900)


def _plain_lm_eval(site_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """lm-eval's own console script (`lm_eval ...`), in an interpreter whose site dirs include `site_dir`."""
    script = ("import site, sys; site.addsitedir(sys.argv.pop(1)); sys.argv[0] = 'lm_eval'; "
              "from lm_eval.__main__ import cli_evaluate; sys.exit(cli_evaluate())")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-c", script, str(site_dir), *args], cwd=REPO, capture_output=True,
                          text=True, timeout=900, env=env)


@pytest.mark.slow
def test_plain_lm_eval_runs_locomo_qa_offline_with_the_plugin_and_writes_the_results_json(tmp_path):
    (tmp_path / "site").mkdir()
    install(tmp_path / "site")  # python -m evals.lm_eval_plugin install, into a site dir of this test's own
    result = _plain_lm_eval(tmp_path / "site", "--model", "memos", "--tasks", "locomo_qa", "--limit", "2",
                            "--include_path", str(TASKS_DIR), "--output_path", str(tmp_path / "out"),
                            "--model_args", f'overrides="{SMALL}"', "dataset.sample_ids=[26]", "model=smollm2",
                            f"run_dir={tmp_path / 'run'}")
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads(next((tmp_path / "out" / "smollm2").glob("results_*.json")).read_text())
    metrics = results["results"]["locomo_qa"]
    assert results["n-samples"]["locomo_qa"]["effective"] == 2
    assert 0 <= metrics["f1,none"] <= 1 and 0 <= metrics["bleu1,none"] <= 1
    assert results["config"]["memos_overrides"][:3] == ["memory=memos", "tier=plaintext", "memory.top_k=2"]
    records = [json.loads(line) for line in (tmp_path / "run" / "records.jsonl").read_text().splitlines()]
    assert [r["episode"] for r in records] == ["26", "26"] and all(len(r["retrieved_ids"]) == 2 for r in records)
    assert sum(r["f1"] for r in records) / 2 == pytest.approx(metrics["f1,none"])


@pytest.mark.slow
def test_a_bad_model_arg_prints_one_line_and_exits_2(tmp_path):
    result = _bridge("--model", "memos", "--tasks", "locomo_qa", "--limit", "1", "--model_args", "memory.top_kk=2")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: model_args") and "memory.top_kk" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_python_api_answers_a_longbench_sample_and_refuses_loglikelihood(tmp_path, one_torch_thread):
    from lm_eval import simple_evaluate
    from lm_eval.tasks import TaskManager

    from evals.lm_eval_bridge.model import MemosLM

    model_args = {"overrides": SMALL, "run_dir": str(tmp_path / "run")}
    lm = MemosLM(**model_args)
    tasks = TaskManager(include_path=str(TASKS_DIR), metadata=model_args)
    results = simple_evaluate(model=lm, tasks=["longbench_local_hotpotqa"], limit=1, task_manager=tasks)
    assert 0 <= results["results"]["longbench_local_hotpotqa"]["score,none"] <= 1
    record = json.loads((tmp_path / "run" / "records.jsonl").read_text())
    assert record["dataset"] == "longbench" and record["metric"] == "qa_f1" and record["retrieved_ids"]
    with pytest.raises(NotImplementedError, match="only generates answers"):
        lm.loglikelihood([])

"""The local HF judge (SmolLM2-135M in this process): labelled not comparable with GPT-4o-mini figures,
and a rerun answered from the cache loads no model."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra.utils import instantiate
from run_dir_builder import LOCOMO_RECORDS, write_run

from evals.judge import compose_judge
from evals.judges.cache import JudgeCache
from evals.judges.stage import judge_run

REPO = Path(__file__).resolve().parents[3]


def test_the_local_judge_judges_offline_and_says_it_is_not_comparable(tmp_path, one_torch_thread):
    run_dir = write_run(tmp_path / "run", LOCOMO_RECORDS[:1], baselines={})
    overrides = ["judge=local", "judge.max_new_tokens=8", "judge.torch_threads=1", f"judge.cache={tmp_path / 'c'}"]
    judge = instantiate(compose_judge(overrides))
    cache = JudgeCache(judge.cache)
    results = judge_run(run_dir, judge, cache, progress=False)
    metrics = results["memos/plaintext (hybrid, k=10)"]
    assert metrics["judge"]["id"] == "local-smollm2" and metrics["judge"]["kind"] == "local"
    assert metrics["judge"]["comparable_with_gpt4o_mini"] is False
    assert metrics["judge"]["label"] == "local judge smollm2, n=1 (not comparable with GPT-4o-mini figures)"
    assert metrics["n"] == 1 and metrics["calls"]["sent"] == 1 and metrics["calls"]["completion_tokens"] >= 1
    written = json.loads((run_dir / "judge" / "local-smollm2" / "judge_metrics.json").read_text())
    assert written == metrics

    again = instantiate(compose_judge(overrides))
    rerun = judge_run(write_run(tmp_path / "copy", LOCOMO_RECORDS[:1], baselines={}), again, cache, progress=False)
    assert rerun["memos/plaintext (hybrid, k=10)"]["calls"]["cached"] == 1 and again._chat is None


def _run_py(tmp_path, *overrides):
    run_dir = tmp_path / "run"
    command = [sys.executable, str(REPO / "run.py"), f"hydra.run.dir={run_dir}", "logger=none", "compare_with=[]",
               "torch_threads=1", *overrides]
    return run_dir, subprocess.run(command, cwd=tmp_path, capture_output=True, text=True,
                                   env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")})


def test_run_py_refuses_an_incomplete_judge_before_answering(tmp_path):
    run_dir, result = _run_py(tmp_path, "judge=openai", "judge.model=gpt-4o-mini")
    assert result.returncode == 2 and "error: judge.base_url is required" in result.stderr
    assert "Traceback" not in result.stderr and not (run_dir / "config.yaml").exists()


@pytest.mark.slow
def test_run_py_with_a_judge_answers_then_judges(tmp_path):
    run_dir, result = _run_py(tmp_path, "+experiment=smoke", "dataset.max_questions=1", "dataset.question_sample=null",
                              "judge=local", "judge.max_new_tokens=8")
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((run_dir / "judge" / "local-smollm2" / "judge_metrics.json").read_text())
    assert metrics["n"] == 1 and metrics["calls"]["sent"] == 1
    assert (tmp_path / "xdg" / "memos_lab" / "judge" / "cache.sqlite").exists()
    assert "not comparable with GPT-4o-mini" in " ".join(result.stdout.split())

"""evals/adopt.py and scripts/adopt_shard.py: a shard's answers join a run only when it is the same experiment."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from run_dir_builder import config, environment, metrics
from script_loader import load_script

from evals.adopt import Adopted, AdoptionError, adopt
from evals.datasets.locomo import LocomoDataset
from evals.run_dir import RunDirBusyError, RunDirError, environments, exclusive

REPO = Path(__file__).resolve().parents[2]
BY = {"command": "python scripts/adopt_shard.py run shard", "git": {"commit": "b" * 40, "dirty": False}}


@pytest.fixture(scope="module")
def questions():
    """Conversation 26's questions (categories 1-4), in order."""
    return [q for episode in LocomoDataset(sample_ids=["26"]).load() for q in episode.questions]


def _record(question, answer="an answer") -> dict:
    return {"qid": question.qid, "category": question.category, "question": question.question,
            "gold": question.answer, "output": answer, "prediction": answer, "f1": 0.0, "episode": "26"}  # fmt: skip


def _run_dir(path: Path, records: list[dict], status: str = "complete", **changes) -> Path:
    """A run directory of conversation 26 (all its questions) with `records`, and a none baseline with the same."""
    made = config() | {"dataset": {"_target_": "evals.datasets.locomo.LocomoDataset", "sample_ids": ["26"]}}
    made["memory"] |= {"store_dir": f"{path}/store"}
    for dotted, value in changes.items():
        *parents, key = dotted.split("__")
        node = made
        for parent in parents:
            node = node[parent]
        node[key] = value
    path.mkdir(parents=True)
    (path / "config.yaml").write_text(yaml.safe_dump(made, sort_keys=False))
    (path / "environment.json").write_text(json.dumps(environment()))
    (path / "status.json").write_text(json.dumps({"status": status}))
    for folder in (path, path / "baselines" / "none"):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
        if status == "complete":
            (folder / "metrics.json").write_text(json.dumps(metrics(records)))
    return path


def _snapshot(run_dir: Path) -> dict[str, bytes]:
    """Every file of a run directory but the (empty) lock file."""
    return {str(p.relative_to(run_dir)): p.read_bytes() for p in sorted(run_dir.rglob("*"))
            if p.is_file() and p.name != ".lock"}  # fmt: skip


def test_a_shard_adds_the_answers_the_run_lacks_and_the_run_records_it(tmp_path, questions):
    run = _run_dir(tmp_path / "run", [_record(questions[0], "mine"), _record(questions[1], "mine")], "cancelled")
    shard = _run_dir(tmp_path / "shard", [_record(q, "theirs") for q in questions[1:4]])
    adopted = adopt(run, shard, BY)
    assert adopted == [Adopted("", 2, 1), Adopted("baselines/none", 2, 1)]
    for folder in (run, run / "baselines" / "none"):
        lines = [json.loads(line) for line in (folder / "records.jsonl").read_text().splitlines()]
        assert [r["qid"] for r in lines] == [q.qid for q in questions[:4]]
        assert [r["output"] for r in lines] == ["mine", "mine", "theirs", "theirs"]  # the run's own answers kept
    recorded = json.loads((run / "environment.json").read_text())["adopted"]
    assert recorded == [{"shard": str(shard.resolve()), "records": {".": 2, "baselines/none": 2},
                         "environment": environment(), "by": BY}]  # fmt: skip
    assert BY in environments(json.loads((run / "environment.json").read_text()))
    before = _snapshot(run)
    assert adopt(run, shard, BY) == [Adopted("", 0, 3), Adopted("baselines/none", 0, 3)]
    assert _snapshot(run) == before, "adopting again must write nothing"


def test_a_stopped_shard_gives_the_answers_it_has(tmp_path, questions):
    run = _run_dir(tmp_path / "run", [_record(questions[0])], "cancelled")
    shard = _run_dir(tmp_path / "shard", [_record(q) for q in questions[1:3]], "cancelled")
    assert adopt(run, shard, BY)[0] == Adopted("", 2, 0)


def test_only_the_baselines_the_run_compares_with_are_adopted(tmp_path, questions):
    run = _run_dir(tmp_path / "run", [_record(questions[0])], "cancelled", compare_with=[])
    shard = _run_dir(tmp_path / "shard", [_record(questions[1])])  # compare_with: [none]
    assert adopt(run, shard, BY) == [Adopted("", 1, 0)]
    assert (run / "baselines" / "none" / "records.jsonl").read_text().count("\n") == 1  # its own, untouched


@pytest.mark.parametrize(
    ("change", "names"),
    [({"model__dtype": "bfloat16"}, "model.dtype"), ({"memory__top_k": 3}, "memory.top_k"),
     ({"seed": 1}, "seed")],
)  # fmt: skip
def test_a_shard_of_another_config_is_refused_naming_the_key(tmp_path, questions, change, names):
    run = _run_dir(tmp_path / "run", [_record(questions[0])], "cancelled")
    shard = _run_dir(tmp_path / "shard", [_record(questions[1])], **change)
    before = _snapshot(run)
    with pytest.raises(AdoptionError, match=names):
        adopt(run, shard, BY)
    assert _snapshot(run) == before


def test_another_dataset_file_a_foreign_question_or_a_live_shard_is_refused(tmp_path, questions):
    run = _run_dir(tmp_path / "run", [_record(questions[0])], "cancelled")
    other_data = _run_dir(tmp_path / "other_data", [_record(questions[1])])
    env = json.loads((other_data / "environment.json").read_text())
    env["dataset"]["sha256"] = "f" * 64
    (other_data / "environment.json").write_text(json.dumps(env))
    changed = _run_dir(tmp_path / "changed", [{**_record(questions[1]), "gold": "another gold"}])
    category5 = _run_dir(tmp_path / "category5", [{**_record(questions[1]), "qid": "26:q152"}])
    live = _run_dir(tmp_path / "live", [_record(questions[1])], "running")
    before = _snapshot(run)
    with pytest.raises(AdoptionError, match="another dataset"):
        adopt(run, other_data, BY)
    with pytest.raises(AdoptionError, match=f"{questions[1].qid} asks .*another gold"):
        adopt(run, changed, BY)
    with pytest.raises(AdoptionError, match="26:q152 is not one of the run's questions"):
        adopt(run, category5, BY)
    with pytest.raises(AdoptionError, match="says it is running: stop it"):
        adopt(run, live, BY)
    with exclusive(other_data), pytest.raises(RunDirBusyError, match="in use by another live process"):
        adopt(run, other_data, BY)
    with pytest.raises(AdoptionError, match="its own records"):
        adopt(run, run, BY)
    with pytest.raises(RunDirError, match="no such run directory"):
        adopt(run, tmp_path / "typo", BY)
    assert not (tmp_path / "typo").exists()
    assert _snapshot(run) == before


def test_a_run_held_by_a_live_process_is_refused(tmp_path, questions):
    run = _run_dir(tmp_path / "run", [_record(questions[0])], "running")
    shard = _run_dir(tmp_path / "shard", [_record(questions[1])])
    with exclusive(run), pytest.raises(RunDirBusyError, match="in use by another live process"):
        adopt(run, shard, BY)
    assert adopt(run, shard, BY)[0].records == 1  # the lock went with its holder


def test_the_script_prints_one_line_for_a_refusal(tmp_path, questions, capsys):
    script = load_script("adopt_shard")
    run = _run_dir(tmp_path / "run", [_record(questions[0])], "cancelled")
    shard = _run_dir(tmp_path / "shard", [_record(questions[1])], seed=3)
    assert script.main([str(run), str(shard)]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0


ENV = {**os.environ, "WANDB_SILENT": "true"}
SMALL = ["dataset.question_sample=null", "dataset.max_questions=2", "compare_with=[]", "logger=none",
         "torch_threads=1"]  # fmt: skip


def _command(run_dir: Path, *overrides: str) -> list[str]:
    return [sys.executable, str(REPO / "run.py"), *SMALL, *overrides, f"hydra.run.dir={run_dir}"]


@pytest.mark.slow
def test_a_run_finished_with_an_adopted_shard_counts_its_memory(tmp_path):
    """The real workflow: a shard answers conversation 30 while the run, stopped after its first answer, has 26
    to finish; adopted and resumed, the run holds both, and builds 30's memory in its own store."""
    shard, run = tmp_path / "shard", tmp_path / "run"
    subprocess.run(_command(shard, "dataset.sample_ids=[30]"), cwd=tmp_path, env=ENV, check=True,
                   capture_output=True)  # fmt: skip
    process = subprocess.Popen(_command(run, "dataset.sample_ids=[26,30]"), cwd=tmp_path, env=ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    records = run / "records.jsonl"
    while process.poll() is None and not (records.exists() and records.read_text().count("\n") >= 1):
        time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=120)
    assert load_script("adopt_shard").main([str(run), str(shard)]) == 0
    subprocess.run(_command(run, "dataset.sample_ids=[26,30]"), cwd=tmp_path, env=ENV, check=True,
                   capture_output=True)  # fmt: skip
    answered = [json.loads(line) for line in records.read_text().splitlines()]
    theirs = [json.loads(line) for line in (shard / "records.jsonl").read_text().splitlines()]
    assert sorted(r["qid"] for r in answered) == ["26:q0", "26:q1", "30:q0", "30:q1"]
    assert [r for r in answered if r["qid"].startswith("30:")] == theirs
    assert json.loads((run / "status.json").read_text())["status"] == "complete"
    from memos_lab.store.store import CubeStore

    def cubes(run_dir: Path) -> int:
        return len(CubeStore(run_dir / "store").list("speakers-30", namespace=_namespace(run_dir)))

    assert cubes(run) == cubes(shard) > 0, "the adopted episode's memory was not built in the run's store"
    shard_bytes = json.loads((shard / "metrics.json").read_text())["bytes_stored"]["plaintext"]
    assert json.loads((run / "metrics.json").read_text())["bytes_stored"]["plaintext"] > shard_bytes
    assert json.loads((run / "environment.json").read_text())["adopted"][0]["records"] == {".": 2}


def _namespace(run_dir: Path) -> str:
    (episode,) = LocomoDataset(sample_ids=["30"]).load()
    return episode.namespace

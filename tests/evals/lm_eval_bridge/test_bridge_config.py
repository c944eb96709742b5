"""model_args to Hydra overrides, and the one-line errors a bad one gives."""

from __future__ import annotations

import pytest

from evals.lm_eval_bridge.config import (
    ModelArgsError,
    compose_run_config,
    config_overrides,
    dataset_node,
    hydra_overrides,
)
from evals.lm_eval_bridge.docs import longbench_docs


def test_model_args_as_lm_eval_types_them_become_hydra_overrides():
    model_args = {"overrides": "memory=memos tier=plaintext", "memory.top_k": 2, "dataset.sample_ids": [26, 30],
                  "dataset.question_sample": None, "print_table": False}
    assert hydra_overrides(model_args) == ["memory=memos", "tier=plaintext", "memory.top_k=2",
                                           "dataset.sample_ids=[26,30]", "dataset.question_sample=null",
                                           "print_table=false"]


def test_overrides_may_be_a_list_as_the_json_form_gives():
    assert hydra_overrides({"overrides": ["memory=none", "dataset.sample_ids=[26,30]"]}) == [
        "memory=none", "dataset.sample_ids=[26,30]"]


def test_an_override_without_a_value_is_refused_naming_it():
    with pytest.raises(ModelArgsError, match="'top_k' is not key=value"):
        hydra_overrides({"overrides": "memory=memos top_k"})


def test_task_metadata_keeps_only_run_config_keys():
    metadata = {"version": 1.0, "run_dir": "/tmp/x", "memory.top_k": 2, "overrides": "tier=kv", "seed": 3}
    assert config_overrides(metadata) == ["tier=kv", "memory.top_k=2", "seed=3"]


@pytest.mark.parametrize("override, named", [
    ("memory.top_kk=2", "Could not override 'memory.top_kk'. Key 'top_kk' not in 'MemOSSystemConfig'"),
    ("memory=memoz", "Could not find 'memory/memoz' (options: full_context, memos, none)"),
])
def test_a_misspelt_key_or_option_fails_in_one_line_naming_it(override, named):
    with pytest.raises(ModelArgsError) as caught:
        compose_run_config([override])
    assert named in str(caught.value) and "\n" not in str(caught.value)


def test_the_model_refuses_bad_model_args_before_loading_anything(tmp_path):
    from evals.config import ConfigError
    from evals.lm_eval_bridge.model import MemosLM

    with pytest.raises(ModelArgsError, match="memory.top_kk"):
        MemosLM(**{"memory.top_kk": 2, "run_dir": str(tmp_path)})
    with pytest.raises(ConfigError, match="memory.top_k=-1 must be >= 0"):
        MemosLM(overrides="memory.top_k=-1", run_dir=str(tmp_path))
    assert not (tmp_path / "config.yaml").exists()


def test_the_run_dir_resolves_the_memory_store_location(tmp_path):
    cfg = compose_run_config(["memory=memos"], tmp_path)
    assert cfg.memory.store_dir == f"{tmp_path}/store" and "hydra" not in cfg


def test_a_task_of_another_dataset_than_the_config_chooses_is_refused():
    with pytest.raises(ModelArgsError, match="asks about longbench episodes"):
        dataset_node("longbench", ["dataset=locomo"])


def test_dataset_overrides_of_the_model_select_the_task_docs():
    docs = longbench_docs("hotpotqa", **{"dataset.max_samples": 2, "version": 1.0})["test"]
    assert len(docs) == 2 and {d["dataset"] for d in docs} == {"longbench"} and docs[0]["category"] == "hotpotqa"


def test_a_run_directory_another_process_holds_is_refused_before_the_model_loads(tmp_path):
    """The lm-eval model appends records until lm-eval ends: a second process on its run_dir is refused."""
    from run_dir_builder import held_by_another_process

    from evals.lm_eval_bridge.model import build_answerer
    from evals.run_dir import RunDirBusyError

    with held_by_another_process(tmp_path), pytest.raises(RunDirBusyError, match="in use by another live process"):
        build_answerer(["memory=none", "logger=none", "torch_threads=1"], tmp_path)
    assert not (tmp_path / "records.jsonl").exists() and not (tmp_path / "config.yaml").exists()

"""Every config composes; wrong keys, values and groups fail at start-up naming what was wrong."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hydra import compose, initialize_config_dir
from hydra.errors import ConfigCompositionException
from omegaconf.errors import ConfigKeyError, ValidationError

from evals.config import LIST_GROUPS, NO_SCHEMA_GROUPS, register_configs

CONF = Path(__file__).resolve().parents[1] / "conf"
REPO = CONF.parent
register_configs()


def _options(group):
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


def _compose(overrides=()):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


def _turns_off(group: str, option: str) -> bool:
    """An option whose whole content is `<group>: null` (e.g. fusion=none): the group is off."""
    return yaml.safe_load((CONF / group / f"{option}.yaml").read_text()) == {group: None}


# `+experiment=` and `+system=` options are global presets, composed in their own tests
GROUPS = sorted(p.name for p in CONF.iterdir() if p.is_dir() and p.name not in NO_SCHEMA_GROUPS)


@pytest.mark.parametrize("group", GROUPS)
def test_every_option_composes(group):
    for option in _options(group):
        cfg = _compose([f"{group}={option}"])
        assert (cfg[group] is None) == _turns_off(group, option)


@pytest.mark.parametrize("experiment", _options("experiment"))
def test_every_experiment_composes(experiment):
    cfg = _compose([f"+experiment={experiment}"])
    assert cfg.tags, f"experiment {experiment} sets no tags"


def test_default_config_is_one_conversation_categories_1_to_4():
    cfg = _compose()
    assert list(cfg.dataset.sample_ids) == ["26"] and list(cfg.dataset.categories) == [1, 2, 3, 4]
    assert cfg.memory._target_.endswith("MemOSSystem") and cfg.tier._target_.endswith("PlaintextTier")
    assert cfg.logger.mode == "offline"


def test_unknown_key_is_refused():
    with pytest.raises(ConfigCompositionException, match="max_question"):
        _compose(["dataset.max_question=3"])


def test_unknown_top_level_key_is_refused():
    with pytest.raises((ConfigCompositionException, ConfigKeyError), match="sed"):
        _compose(["sed=3"])


def test_wrong_type_is_refused():
    with pytest.raises((ConfigCompositionException, ValidationError), match="max_questions"):
        _compose(["dataset.max_questions=many"])


# (override, key the message must name): every one is refused before any model loads.
BAD_OVERRIDES = [
    ("memory.top_k=ten", "memory.top_k"),
    ("memory.top_k=-1", "memory.top_k"),
    ("memory.mode=hybird", "memory.mode"),
    ("memory.bogus=1", "bogus"),
    ("memory.retrieval.stemmer=porch", "memory.retrieval.stemmer"),
    ("memory.retrieval.context_turns=-1", "memory.retrieval.context_turns"),
    ("+memory.bogus=1", "bogus"),
    ("tier=kv tier.max_tokens=many", "tier.max_tokens"),
    ("tier=kv tier.recompute_tokens=-2", "tier.recompute_tokens"),
    ("dataset.categories=[9]", "dataset.categories"),
    ("dataset.question_stride=0", "dataset.question_stride"),
    ("dataset.max_questions=-3", "dataset.max_questions"),
    ("dataset.question_sample=0", "dataset.question_sample"),
    ("model.dtype=float8", "model.dtype"),
    ("logger.mode=loud", "logger.mode"),
    ("embedder.batch_size=0", "embedder.batch_size"),
    ("budget.kv_tokens=0", "budget.kv_tokens"),
    ("budget.kv_tokens=5 budget.kv_bytes=5", "budget.kv_tokens"),
    ("kv.mode=fast", "kv.mode"),
    ("policy=lrfu policy.lam=2", "policy.lam"),
    ("scheduler.interval=0", "scheduler.interval"),
    ("workload=zipf_drift workload.queries=0", "workload.queries"),
    ("torch_threads=0", "torch_threads"),
    ("+sed=3", "sed"),
    ("+policy=lru", "policy"),
    ("policy=lr", "policy"),
    ("tier=lora tier.distil.rank=0", "rank"),
    ("fusion=text_merge fusion.text_merge.conflict_threshold=2", "fusion.text_merge.conflict_threshold"),
    ("fusion=[text_merge,lora_merge] fusion.lora_merge.combination=sum", "fusion.lora_merge.combination"),
    ("fusion=lora_merge fusion.lora_merge.weights=[1]", "fusion.lora_merge.weights"),
    ("fusion=merge", "fusion"),
    ("migration=[distil_stable] migration.distil_stable.min_recall=2", "migration.distil_stable.min_recall"),
    ("migration=promote_hot migration.promote_hot.k=0", "migration.promote_hot.k"),
    ("fusion=kv_concat", "fusion.kv_concat needs tier=kv or tier=all"),
    ("tier=kv fusion=[kv_concat,lora_merge]", "fusion.lora_merge needs tier=all"),
    ("tier=kv policy=lru migration=[distil_stable]", "migration.distil_stable needs tier=all"),
]


@pytest.mark.parametrize(("override", "key"), BAD_OVERRIDES)
def test_a_bad_override_is_refused_naming_its_key(override, key):
    from evals.config import validate

    with pytest.raises(Exception, match=key.replace(".", r"\.")) as caught:
        validate(_compose(override.split()))
    assert "Traceback" not in str(caught.value)


def test_bad_overrides_print_one_line_without_a_traceback(tmp_path):
    for override in ("dataset.question_stride=0", "memory.mode=hybird", "+foo=1"):
        result = _run(override, "logger=none", f"hydra.run.dir={tmp_path}/run", cwd=tmp_path)
        assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr[-2000:]
        assert not (tmp_path / "run" / "config.yaml").exists()


def test_every_option_has_a_schema_with_its_target():
    from evals.config import schema_for

    for path in CONF.glob("*/*.yaml"):
        if path.parent.name in NO_SCHEMA_GROUPS:
            continue
        node = _compose([f"{path.parent.name}={path.stem}"])[path.parent.name]
        node = node[path.stem] if path.parent.name in LIST_GROUPS and node is not None else node
        if _turns_off(path.parent.name, path.stem):
            continue
        assert schema_for(node._target_, path.parent.name)._target_ == node._target_


def test_the_users_first_command_composes_the_scheduler():
    cfg = _compose(["policy=lru", "tier=kv"])
    assert cfg.policy._target_.endswith("LRU") and cfg.tier._target_.endswith("ActivationTier")
    sweep = _compose(["policy=oracle", "budget.kv_tokens=256", "workload=zipf_drift"])
    assert sweep.tier._target_.endswith("ActivationTier") and sweep.memory.top_k == 3


def test_unknown_group_option_is_refused():
    with pytest.raises(ConfigCompositionException, match="tier"):
        _compose(["tier=floppy"])


def _run(*overrides, cwd):
    return subprocess.run([sys.executable, str(REPO / "run.py"), *overrides], cwd=cwd, capture_output=True, text=True)


def test_missing_dataset_path_fails_at_start_up(tmp_path):
    result = _run("dataset.path=/no/such/locomo", "logger=none", f"hydra.run.dir={tmp_path}/run", cwd=tmp_path)
    assert result.returncode != 0
    assert "/no/such/locomo" in result.stderr


def test_invalid_category_fails_at_start_up(tmp_path):
    result = _run("dataset.categories=[9]", "logger=none", f"hydra.run.dir={tmp_path}/run", cwd=tmp_path)
    assert result.returncode != 0
    assert "categories" in result.stderr


def test_unloadable_model_fails_at_start_up(tmp_path):
    result = _run("model=hf", f"model.model={tmp_path}/no-model", "logger=none", "memory=none",
                  "dataset.max_questions=1", f"hydra.run.dir={tmp_path}/run", cwd=tmp_path)
    assert result.returncode != 0
    assert "cannot load model" in result.stderr and "no-model" in result.stderr


@pytest.mark.parametrize("tier", _options("tier"))
@pytest.mark.parametrize("memory", _options("memory"))
def test_every_memory_and_tier_node_instantiates(memory, tier, tmp_path):
    from hydra.utils import instantiate

    cfg = _compose([f"memory={memory}", f"tier={tier}", "embedder.device=cpu"])
    if "store_dir" in cfg.memory:
        cfg.memory.store_dir = str(tmp_path / "store")
        cfg.memory.embedding_cache = str(tmp_path / "store" / "embeddings")
    factory = instantiate(cfg.memory)
    assert callable(factory) and factory.func.__name__ in {"NoMemory", "FullContext", "MemOSSystem"}
    assert callable(instantiate(cfg.tier))


@pytest.mark.parametrize("logger", _options("logger"))
def test_every_logger_node_instantiates(logger):
    from hydra.utils import instantiate

    assert instantiate(_compose([f"logger={logger}"]).logger) is not None


def test_lora_tier_question_writer_is_a_model_config():
    from hydra.utils import instantiate

    from memos_lab.models.hf_local import HFCausalLM

    cfg = _compose(["tier=lora", "tier.question_writer=${model}"])
    assert cfg.tier.question_writer == cfg.model
    tier = instantiate(cfg.tier)  # a partial: the facade adds model= and store=
    assert isinstance(tier.keywords["question_writer"], HFCausalLM)

import pytest

from memos_lab.tiers.parameter.distil import DistilConfig


def test_a_tiny_training_run_lowers_the_loss(trained):
    for result in trained.values():
        assert len(result.losses) == 16
        assert sum(result.losses[-3:]) / 3 < 0.5 * result.losses[0]
        assert result.train_s > 0 and result.examples == 1  # one QA pair; statements are off by default


@pytest.mark.parametrize(
    "bad, field",
    [({"rank": 0}, "rank"), ({"steps": 5, "warmup_steps": 5}, "warmup_steps"), ({"lr": 0}, "lr"),
     ({"dropout": 1.0}, "dropout"), ({"target_modules": []}, "target_modules")],
)  # fmt: skip
def test_config_refuses_bad_values_by_name(bad, field):
    with pytest.raises(ValueError, match=field):
        DistilConfig(**bad)


def test_config_builds_a_peft_lora_config():
    config = DistilConfig(rank=8, alpha=16, target_modules=["q_proj"]).lora_config()
    assert config.r == 8 and config.lora_alpha == 16 and set(config.target_modules) == {"q_proj"}

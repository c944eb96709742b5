"""scripts/bench_lora.py on a tiny budget: --no-base writes null, not zeros or NaN; the command re-parses."""

from __future__ import annotations

import shlex

import pytest
from script_loader import REPO, load_script, strict_json


@pytest.fixture(scope="module")
def bench():
    return load_script("bench_lora")


def _bench(bench, out, *flags: str) -> dict:
    """Run the script on a tiny budget, restore torch's thread count, and read what it wrote."""
    import torch

    threads = torch.get_num_threads()
    try:
        bench.main(["--out", str(out), "--steps", "2", "--rank", "2", "--no-base", "--max-new-tokens", "2",
                    "--threads", "1", *flags])
    finally:
        torch.set_num_threads(threads)
    return strict_json(out)  # NaN would fail here


def test_no_base_is_recorded_as_not_measured(bench, tmp_path):
    result = _bench(bench, tmp_path / "lora.json", "--facts", "2", "--no-merge")
    assert result["acc_base"] is None and result["ttft_base_ms"] is None and result["f1_base"] is None
    assert set(bench.BASE_FIELDS) <= set(result["not_measured"]["fields"])
    assert "--no-base" in result["not_measured"]["reason"]
    assert all(sample["base"] is None for sample in result["samples"])
    assert 0.0 <= result["acc_lora"] <= 1.0 and result["ttft_lora_ms"] > 0
    env = result["environment"]
    assert env["git"]["commit"] and env["model"]["weights_sha256"] and env["args"]["base"] is False
    command = shlex.split(env["command"])
    assert command[:2] == ["python", "scripts/bench_lora.py"]
    assert bench._parse_args(command[2:]).base is False  # every recorded flag exists
    assert ("dirty" in result) == bool(env["git"]["dirty"])


def test_two_users_each_read_their_own_adapter_then_a_merge(bench, tmp_path):
    """The users part: each user answers from the adapter they own (the store refuses anyone else), then
    from a merge of both."""
    result = _bench(bench, tmp_path / "users.json", "--facts", "4", "--combinations", "cat")
    assert set(result["acc_user_separate"]) == {"user_a", "user_b"} and result["switch_ms"] > 0
    assert result["merged_acc"]["combination"] == "cat"


def test_results_from_a_dirty_tree_are_refused_before_any_work(bench, tmp_path, monkeypatch):
    def dirty(repo, command):
        return {"command": command, "git": {"commit": "c0ffee", "dirty": True, "dirty_files": ["x.py"],
                                            "dirty_count": 1}}  # fmt: skip

    monkeypatch.setattr(bench, "environment_record", dirty)
    monkeypatch.setattr(bench, "HFCausalLM", lambda *a, **k: pytest.fail("loaded a model before refusing"))
    with pytest.raises(SystemExit, match="--allow-dirty"):
        bench.main(["--out", str(REPO / "results" / "never_written.json")])
    assert not (REPO / "results" / "never_written.json").exists()

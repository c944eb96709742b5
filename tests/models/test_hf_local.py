import pytest

from memos_lab.models.base import ModelNotAvailableError
from memos_lab.models.hf_local import HFCausalLM

QUESTION = [{"role": "user", "content": "What is the capital of France? Answer in a few words."}]


def test_smollm2_answers_greedily_and_deterministically(smollm2):
    first = smollm2.chat(QUESTION, max_new_tokens=12)
    second = smollm2.chat(QUESTION, max_new_tokens=12)
    assert "paris" in first.text.lower()
    assert first.text == second.text
    assert first.prompt_tokens > 10 and 0 < first.completion_tokens <= 12
    assert 0 < first.ttft_s <= first.total_s


def test_smollm2_is_the_offline_llama(smollm2):
    assert type(smollm2.model).__name__ == "LlamaForCausalLM"
    assert sum(p.numel() for p in smollm2.model.parameters()) == pytest.approx(134.5e6, rel=0.01)
    assert smollm2.context_window == 8192


def test_stop_strings_end_the_answer_at_a_newline(smollm2):
    prompt = [{"role": "user", "content": "List three fruits, one per line."}]
    full = smollm2.chat(prompt, max_new_tokens=20).text
    stopped = HFCausalLM.__new__(HFCausalLM)
    stopped.__dict__.update(smollm2.__dict__)
    stopped._stop_ids = frozenset(i for i in range(len(smollm2.tokenizer)) if "\n" in smollm2.tokenizer.decode([i]))
    short = stopped.chat(prompt, max_new_tokens=20).text
    assert "\n" in full and short == full.split("\n")[0].strip()


def test_fingerprint_names_weights_dtype_and_shapes(smollm2):
    fingerprint = smollm2.fingerprint()
    assert fingerprint["num_layers"] == 30 and fingerprint["num_kv_heads"] == 3 and fingerprint["head_dim"] == 64
    assert fingerprint["dtype"] == "float32" and len(fingerprint["weights_sha256"]) == 64


def test_count_tokens_matches_the_tokenizer(smollm2):
    assert smollm2.count_tokens("hello world") == len(smollm2.tokenizer("hello world")["input_ids"])


def test_a_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelNotAvailableError, match="cannot load model .*no-such-model") as info:
        HFCausalLM(str(tmp_path / "no-such-model"))
    assert "model.model=" in str(info.value) and "model.name=" not in str(info.value)  # the config key that exists

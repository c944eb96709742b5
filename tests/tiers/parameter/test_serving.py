import pytest
import torch

from memos_lab.prompts import MemoryPrompt
from memos_lab.tiers.parameter.serving import AdapterNotFoundError
from memos_lab.tiers.parameter.system_prefix import PrefixCache, split_prompt


def _answer(model, server, name: str, question: str) -> str:
    """Served as the tier serves: the system turn read by the base model, the question by adapter `name`."""
    split = split_prompt(model, MemoryPrompt("", question).messages())
    server.deactivate()
    cache = PrefixCache(model).get(split.ids[:, : split.prefix_len]) if split.prefix_len else None
    with server.using(name):
        return model.generate_ids(split.ids, max_new_tokens=8, cache=cache).text


def _logits(model, question: str):
    with torch.inference_mode():
        return model.model(input_ids=model.chat_ids(MemoryPrompt("", question).messages())).logits[0, -1]


def test_switching_adapters_changes_the_answer(model, server, trained, conflict):
    question, cities = conflict
    for name, city in cities.items():
        assert city in _answer(model, server, name, question)
    server.activate("alpha")
    server.activate("beta")
    assert server.active == "beta"
    server.deactivate()
    assert server.active is None


def test_outside_using_the_model_is_the_base_model(model, server, trained, conflict):
    question = conflict[0]
    with server.peft_model.disable_adapter():
        base = _logits(model, question)
    assert torch.equal(_logits(model, question), base)
    with server.using("alpha"):
        assert not torch.allclose(_logits(model, question), base)
    assert server.active is None and torch.equal(_logits(model, question), base)


def test_unknown_adapter_is_refused_with_the_resident_names(server, trained):
    with pytest.raises(AdapterNotFoundError, match="alpha"):
        server.activate("gamma")

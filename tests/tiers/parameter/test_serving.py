import torch

from memos_lab.prompts import MemoryPrompt


def _answer(model, question: str) -> str:
    return model.chat(MemoryPrompt("", question).messages(), max_new_tokens=8).text


def _logits(model, question: str):
    with torch.inference_mode():
        return model.model(input_ids=model.chat_ids(MemoryPrompt("", question).messages())).logits[0, -1]


def test_switching_adapters_changes_the_answer(model, server, trained, conflict):
    question, cities = conflict
    for name, city in cities.items():
        with server.using(name):
            assert city in _answer(model, question)
    server.activate("alpha")
    server.activate("beta")
    assert server.active == "beta" and cities["beta"] in _answer(model, question)
    server.deactivate()


def test_outside_using_the_model_is_the_base_model(model, server, trained, conflict):
    question = conflict[0]
    with server.peft_model.disable_adapter():
        base = _logits(model, question)
    assert torch.equal(_logits(model, question), base)
    with server.using("alpha"):
        assert not torch.allclose(_logits(model, question), base)
    assert server.active is None and torch.equal(_logits(model, question), base)


def test_unknown_adapter_is_refused_with_the_resident_names(server, trained):
    import pytest

    from memos_lab.tiers.parameter.serving import AdapterNotFoundError

    with pytest.raises(AdapterNotFoundError, match="alpha"):
        server.activate("gamma")

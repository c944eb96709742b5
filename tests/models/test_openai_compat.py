"""The OpenAI-compatible backend against a local HTTP endpoint on loopback."""

import pytest
from loopback_endpoint import completion, serve

from memos_lab.models.base import ModelNotAvailableError
from memos_lab.models.openai_compat import OpenAIChatModel


def _canned(body):
    if body["model"] == "missing":
        return 404, {"error": "model not found"}
    return 200, completion(" 7 May 2023 ", prompt_tokens=42, completion_tokens=4)


@pytest.fixture(scope="module")
def endpoint():
    with serve(_canned) as running:
        yield running


def test_chat_posts_the_messages_and_reads_the_reply(endpoint, monkeypatch):
    monkeypatch.setenv("TEST_KEY", "sk-test")
    model = OpenAIChatModel(endpoint.url, "judge-model", api_key_env="TEST_KEY")
    generation = model.chat([{"role": "user", "content": "When?"}], max_new_tokens=8)
    assert generation.text == "7 May 2023" and generation.prompt_tokens == 42 and generation.completion_tokens == 4
    path, headers, body = endpoint.requests[-1]
    assert path == "/v1/chat/completions" and headers["Authorization"] == "Bearer sk-test"
    assert body == {"model": "judge-model", "messages": [{"role": "user", "content": "When?"}], "max_tokens": 8,
                    "temperature": 0}


def test_an_http_error_names_the_endpoint_and_status(endpoint):
    with pytest.raises(ModelNotAvailableError, match="answered 404"):
        OpenAIChatModel(endpoint.url, "missing").chat([{"role": "user", "content": "hi"}])


def test_an_unreachable_endpoint_is_a_clear_error():
    with pytest.raises(ModelNotAvailableError, match="cannot reach http://127.0.0.1:9"):
        OpenAIChatModel("http://127.0.0.1:9/v1", "m", timeout_s=2).chat([{"role": "user", "content": "hi"}])


def test_a_base_url_that_is_not_http_is_refused():
    with pytest.raises(ValueError, match="base_url"):
        OpenAIChatModel("localhost:8000", "m")

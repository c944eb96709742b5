"""The OpenAI-compatible backend against a local HTTP endpoint on loopback."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from memos_lab.models.base import ModelNotAvailableError
from memos_lab.models.openai_compat import OpenAIChatModel


class _Endpoint(BaseHTTPRequestHandler):
    requests: list = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Endpoint.requests.append((self.path, dict(self.headers), body))
        if body["model"] == "missing":
            self.send_response(404)
            self.end_headers()
            self.wfile.write(b'{"error": "model not found"}')
            return
        reply = {"choices": [{"message": {"role": "assistant", "content": " 7 May 2023 "}}],
                 "usage": {"prompt_tokens": 42, "completion_tokens": 4}}
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(reply).encode())

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def endpoint():
    server = HTTPServer(("127.0.0.1", 0), _Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()


def test_chat_posts_the_messages_and_reads_the_reply(endpoint, monkeypatch):
    monkeypatch.setenv("TEST_KEY", "sk-test")
    model = OpenAIChatModel(endpoint, "judge-model", api_key_env="TEST_KEY")
    generation = model.chat([{"role": "user", "content": "When?"}], max_new_tokens=8)
    assert generation.text == "7 May 2023" and generation.prompt_tokens == 42 and generation.completion_tokens == 4
    path, headers, body = _Endpoint.requests[-1]
    assert path == "/v1/chat/completions" and headers["Authorization"] == "Bearer sk-test"
    assert body == {"model": "judge-model", "messages": [{"role": "user", "content": "When?"}], "max_tokens": 8,
                    "temperature": 0}


def test_an_http_error_names_the_endpoint_and_status(endpoint):
    with pytest.raises(ModelNotAvailableError, match="answered 404"):
        OpenAIChatModel(endpoint, "missing").chat([{"role": "user", "content": "hi"}])


def test_an_unreachable_endpoint_is_a_clear_error():
    with pytest.raises(ModelNotAvailableError, match="cannot reach http://127.0.0.1:9"):
        OpenAIChatModel("http://127.0.0.1:9/v1", "m", timeout_s=2).chat([{"role": "user", "content": "hi"}])


def test_a_base_url_that_is_not_http_is_refused():
    with pytest.raises(ValueError, match="base_url"):
        OpenAIChatModel("localhost:8000", "m")

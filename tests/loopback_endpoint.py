"""An OpenAI-compatible chat endpoint on 127.0.0.1 for tests: canned replies, or a real local model answering.

`serve(reply)` starts a real HTTP server on a free loopback port and records
every request (path, headers, body), so tests can count what reached it.
`reply(body)` returns (status, JSON body); `model_reply(model)` answers with a
ChatModel in this process (SmolLM2), the way a llama.cpp or vLLM server would.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer

Reply = Callable[[dict], tuple[int, dict]]


@dataclass
class Endpoint:
    url: str
    requests: list[tuple[str, dict, dict]] = field(default_factory=list)


def completion(text: str, prompt_tokens: int, completion_tokens: int) -> dict:
    return {"choices": [{"message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens}}


def model_reply(model) -> Reply:
    """Answer chat completions with `model` (a memos_lab ChatModel), greedy, as the endpoint's only model."""
    def reply(body: dict) -> tuple[int, dict]:
        generation = model.chat(body["messages"], max_new_tokens=body.get("max_tokens", 32))
        return 200, completion(generation.text, generation.prompt_tokens, generation.completion_tokens)

    return reply


@contextlib.contextmanager
def serve(reply: Reply) -> Iterator[Endpoint]:
    endpoint = Endpoint(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            endpoint.requests.append((self.path, dict(self.headers), body))
            status, answer = reply(body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(answer).encode())

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    endpoint.url = f"http://127.0.0.1:{server.server_port}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()

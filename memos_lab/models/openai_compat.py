"""An OpenAI-compatible chat endpoint (OpenAI, vLLM, llama.cpp server, ...)."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Sequence

from memos_lab.models.base import ChatModel, Generation, Message, ModelNotAvailableError


class OpenAIChatModel(ChatModel):
    def __init__(self, base_url: str, model: str, api_key_env: str = "OPENAI_API_KEY",
                 context_window: int = 128_000, timeout_s: float = 60.0) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"model.base_url must be an http(s) URL, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.name = model
        self.context_window = context_window
        self.timeout_s = timeout_s
        self.api_key = os.environ.get(api_key_env, "")

    def chat(self, messages: Sequence[Message], max_new_tokens: int = 32) -> Generation:
        body = {"model": self.name, "messages": list(messages), "max_tokens": max_new_tokens, "temperature": 0}
        start = time.perf_counter()
        reply = self._post("/chat/completions", body)
        elapsed = time.perf_counter() - start
        usage = reply.get("usage") or {}
        return Generation(
            text=reply["choices"][0]["message"]["content"].strip(),
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            ttft_s=elapsed,  # without streaming, the first token arrives with the last
            total_s=elapsed,
        )

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)  # the endpoint does not expose its tokenizer; ~4 chars per token

    def _post(self, path: str, body: dict) -> dict:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.base_url + path, json.dumps(body).encode(), headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise ModelNotAvailableError(f"{self.base_url}{path} answered {exc.code}: {exc.read()[:300]!r}") from exc
        except (urllib.error.URLError, TimeoutError) as exc:
            raise ModelNotAvailableError(f"cannot reach {self.base_url}{path}: {exc}") from exc

"""A judge behind an OpenAI-compatible chat endpoint (OpenAI, vLLM, llama.cpp server, ...).

`judge=openai judge.base_url=https://api.openai.com/v1 judge.model=gpt-4o-mini`
with the key in the environment variable `judge.api_key_env` names (read when
the first prompt is sent). Temperature 0, as mem0, MemOS and LongMemEval judge.
"""

from __future__ import annotations

from dataclasses import dataclass

from omegaconf import MISSING

from evals.config import ConfigError
from evals.judges.base import Judge, JudgeSettings
from memos_lab.models.base import ChatModel


@dataclass
class EndpointJudgeConfig(JudgeSettings):
    _target_: str = "evals.judges.endpoint.EndpointJudge"
    base_url: str = MISSING  # e.g. https://api.openai.com/v1 or http://127.0.0.1:8000/v1
    model: str = MISSING  # the endpoint's model name, e.g. gpt-4o-mini
    api_key_env: str = "OPENAI_API_KEY"  # environment variable holding the key (may be unset for local servers)
    timeout_s: float = 60.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigError(f"judge.base_url={self.base_url!r} must be an http(s) URL")
        if self.timeout_s <= 0:
            raise ConfigError(f"judge.timeout_s={self.timeout_s} must be positive")


class EndpointJudge(Judge):
    kind = "openai"

    def __init__(self, base_url: str, model: str, api_key_env: str = "OPENAI_API_KEY", timeout_s: float = 60.0,
                 **settings) -> None:
        super().__init__(model, **settings)
        self.base_url = base_url
        self.api_key_env = api_key_env
        self.timeout_s = timeout_s

    def chat_model(self) -> ChatModel:
        from memos_lab.models.openai_compat import OpenAIChatModel

        return OpenAIChatModel(self.base_url, self.model, api_key_env=self.api_key_env, timeout_s=self.timeout_s)

    def describe(self) -> dict:
        return super().describe() | {"base_url": self.base_url}

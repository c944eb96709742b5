"""Schemas of the `model` group: the answering LLM backends."""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

DTYPES = ("float32", "float16", "bfloat16")


@dataclass
class HFCausalLMConfig:
    _target_: str = "memos_lab.models.hf_local.HFCausalLM"
    model: str = MISSING  # "smollm2" (offline), a local directory, or a hub id
    revision: str | None = None  # hub revision (branch, tag or commit)
    device: str = "auto"  # auto, cpu, cuda, cuda:N
    dtype: str = "float32"
    stop_strings: list[str] = field(default_factory=list)  # decoding stops after any of these

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise ValueError(f"model.dtype={self.dtype!r} must be one of {', '.join(DTYPES)}")
        if not (self.device in ("auto", "cpu", "cuda", "mps") or self.device.startswith("cuda:")):
            raise ValueError(f"model.device={self.device!r} must be auto, cpu, cuda, cuda:N or mps")


@dataclass
class OpenAIChatModelConfig:
    _target_: str = "memos_lab.models.openai_compat.OpenAIChatModel"
    base_url: str = MISSING  # e.g. http://127.0.0.1:8000/v1
    model: str = MISSING  # the endpoint's model name
    api_key_env: str = "OPENAI_API_KEY"  # environment variable holding the key
    context_window: int = 128_000
    timeout_s: float = 60.0

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"model.base_url={self.base_url!r} must be an http(s) URL")
        if self.context_window < 1 or self.timeout_s <= 0:
            raise ValueError("model.context_window and model.timeout_s must be positive")

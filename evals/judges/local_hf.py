"""A judge run in this process by a local Hugging Face model (SmolLM2-135M offline by default).

Greedy decoding, so its n repeats agree and their std is 0; its accuracy is
labelled in every table as not comparable with GPT-4o-mini figures. Useful to
exercise the judging stage offline and to compare systems under one fixed
judge, not to report headline numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from evals.config import ConfigError
from evals.judges.base import Judge, JudgeSettings
from evals.schemas.model import DTYPES
from memos_lab.models.base import ChatModel


@dataclass
class LocalHFJudgeConfig(JudgeSettings):
    _target_: str = "evals.judges.local_hf.LocalHFJudge"
    model: str = "smollm2"  # "smollm2" (offline), a local directory, or a hub id
    device: str = "auto"
    dtype: str = "float32"
    torch_threads: int | None = None  # None: this process's share of the idle cores, as a run takes

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.dtype not in DTYPES:
            raise ConfigError(f"judge.dtype={self.dtype!r} must be one of {', '.join(DTYPES)}")
        if self.torch_threads is not None and self.torch_threads < 1:
            raise ConfigError(f"judge.torch_threads={self.torch_threads} must be >= 1")


class LocalHFJudge(Judge):
    kind = "local"

    def __init__(self, model: str = "smollm2", device: str = "auto", dtype: str = "float32",
                 torch_threads: int | None = None, **settings) -> None:
        super().__init__(model, **settings)
        self.device = device
        self.dtype = dtype
        self.torch_threads = torch_threads

    def chat_model(self) -> ChatModel:
        from evals.runner import set_threads
        from memos_lab.models.hf_local import HFCausalLM

        set_threads(self.torch_threads)
        return HFCausalLM(self.model, device=self.device, dtype=self.dtype)

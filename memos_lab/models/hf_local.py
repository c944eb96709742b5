"""A local Hugging Face causal LM: the default answerer, and the model the
activation and parameter tiers work on."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from memos_lab.models.base import ChatModel, Generation, Message, ModelNotAvailableError

SMOLLM2 = "smollm2"


def resolve_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


class HFCausalLM(ChatModel):
    """Greedy chat generation with a local or hub transformers model.

    `model` is "smollm2" (offline SmolLM2-135M-Instruct, see models/smollm2.py),
    a local directory, or a hub id (needs a reachable hub).
    """

    def __init__(
        self,
        model: str = SMOLLM2,
        revision: str | None = None,
        device: str = "auto",
        dtype: str = "float32",
        stop_strings: Sequence[str] = (),
    ):
        import torch

        self.name = model
        self.stop_strings = tuple(stop_strings)
        self.device = resolve_device(device)
        self.dtype = getattr(torch, dtype)
        self.revision = revision
        self.model_path = resolve_model_path(model)
        self.tokenizer, self.model = _load(self.model_path, revision, self.dtype, self.device)
        self.context_window = int(getattr(self.model.config, "max_position_embeddings", 2048))
        self._fingerprint: dict[str, Any] | None = None
        self._stop_ids = _tokens_containing(self.tokenizer, self.stop_strings)

    def chat_ids(self, messages: Sequence[Message], add_generation_prompt: bool = True):
        ids = self.tokenizer.apply_chat_template(
            list(messages), add_generation_prompt=add_generation_prompt, return_tensors="pt", return_dict=True
        )["input_ids"]
        return ids.to(self.device)

    def encode(self, text: str):
        import torch

        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        return torch.tensor([ids], dtype=torch.long, device=self.device)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def chat(self, messages: Sequence[Message], max_new_tokens: int = 32) -> Generation:
        return self.generate_ids(self.chat_ids(messages), max_new_tokens=max_new_tokens)

    def generate_ids(self, input_ids, max_new_tokens: int = 32, cache=None) -> Generation:
        """Greedy-decode after `input_ids`; `cache` (a transformers Cache of a
        prefix of `input_ids`) skips prefilling that prefix. The cache is
        extended in place, so callers pass a copy they may lose."""
        import torch

        clock = _Clock(self._stop_ids, prompt_len=input_ids.shape[1])
        start = time.perf_counter()
        with torch.inference_mode():
            output = self.model.generate(
                input_ids=input_ids,
                attention_mask=torch.ones_like(input_ids),
                cache=cache,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                temperature=None,
                top_p=None,
                top_k=None,
                stopping_criteria=[clock],
                pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
            )
        total = time.perf_counter() - start
        new_ids = output[0, input_ids.shape[1] :]
        return Generation(
            text=self.tokenizer.decode(new_ids, skip_special_tokens=True).strip(),
            prompt_tokens=int(input_ids.shape[1]),
            completion_tokens=int(new_ids.shape[0]),
            ttft_s=(clock.first_token_at or time.perf_counter()) - start,
            total_s=total,
        )

    def fingerprint(self) -> dict[str, Any]:
        """Identifies the exact weights and shapes a KV cache or adapter was made for.

        `weights_sha256` hashes the weight files' content (see models/weights.py),
        so two fine-tunes of one architecture never share a fingerprint.
        """
        if self._fingerprint is None:
            from memos_lab.models.weights import weights_sha256

            cfg = self.model.config
            commit = getattr(cfg, "_commit_hash", None)
            self._fingerprint = {
                "name": self.name,
                "weights_sha256": weights_sha256(self.model_path, revision=self.revision, commit=commit),
                "dtype": str(self.dtype).removeprefix("torch."),
                "num_layers": cfg.num_hidden_layers,
                "num_kv_heads": getattr(cfg, "num_key_value_heads", cfg.num_attention_heads),
                "head_dim": getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads,
            }
        return dict(self._fingerprint)


class _Clock:
    """A stopping criterion: records when the first token came, and stops on a
    token containing a stop string once some answer has been generated.

    transformers' own `stop_strings` rebuilds a vocabulary table on every
    call (seconds per answer on a CPU); a precomputed id set costs nothing.
    """

    def __init__(self, stop_ids: frozenset[int], prompt_len: int) -> None:
        self.first_token_at: float | None = None
        self.stop_ids = stop_ids
        self.prompt_len = prompt_len

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        if self.first_token_at is None:
            self.first_token_at = time.perf_counter()
        generated = input_ids.shape[1] - self.prompt_len
        stop = generated > 1 and int(input_ids[0, -1]) in self.stop_ids
        return torch.full((input_ids.shape[0],), stop, dtype=torch.bool, device=input_ids.device)


def _tokens_containing(tokenizer, stop_strings: Sequence[str]) -> frozenset[int]:
    if not stop_strings:
        return frozenset()
    vocab = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
    texts = [tokenizer.convert_tokens_to_string([token]) if token else "" for token in vocab]
    return frozenset(i for i, text in enumerate(texts) if any(s in text for s in stop_strings))


def resolve_model_path(model: str) -> str:
    """A local directory or hub id for `model` ("smollm2" is the offline SmolLM2 made on first use)."""
    if model == SMOLLM2:
        from memos_lab.models.smollm2 import smollm2_dir

        return str(smollm2_dir())
    return model


def _load(path: str, revision: str | None, dtype, device: str):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(path, revision=revision)
        model = AutoModelForCausalLM.from_pretrained(path, revision=revision, dtype=dtype)
    except (OSError, ValueError) as exc:
        raise ModelNotAvailableError(
            f"cannot load model {path!r}: {exc}\n"
            "Set model.model= to smollm2 (the offline default), a local model directory, "
            "or a Hugging Face id with a reachable hub."
        ) from exc
    return tokenizer, model.to(device).eval()


"""Distil a training set into a LoRA adapter: a small, seeded CPU training loop.

QA examples are trained the way they are served (see system_prefix.py): the
closed-book system turn is prefilled once by the base model and each batch
continues from a copy of that KV cache, so a step costs the question and
answer tokens only. Statements are plain text with no prompt. The loss is
computed on answer tokens (QA) or all tokens (statements), projecting only
those positions through the LM head.
"""

from __future__ import annotations

import copy
import math
import random
import time
from dataclasses import dataclass, field
from typing import Any

from memos_lab.models.hf_local import HFCausalLM
from memos_lab.prompts import MemoryPrompt
from memos_lab.tiers.parameter.serving import AdapterServer
from memos_lab.tiers.parameter.system_prefix import prefill, split_prompt
from memos_lab.tiers.parameter.training_data import QAPair, TrainingSet

IGNORE = -100
LLAMA_LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass
class DistilConfig:
    """LoRA shape and training schedule. Defaults: ~100 facts on SmolLM2-135M in a few CPU minutes."""

    rank: int = 16  # LoRA rank r
    alpha: float = 32.0  # LoRA scale numerator: updates are scaled by alpha / rank
    dropout: float = 0.0  # LoRA dropout on the adapter input
    target_modules: list[str] = field(default_factory=lambda: list(LLAMA_LINEAR))  # module names that get LoRA
    steps: int = 200  # optimiser steps
    lr: float = 1e-3  # peak AdamW learning rate (linear warm-up, cosine decay to 10%)
    warmup_steps: int = 10
    batch_size: int = 8
    weight_decay: float = 0.0
    train_statements: bool = False  # also train on the statements as plain text (costs general ability)
    seed: int = 0

    def __post_init__(self) -> None:
        self.target_modules = tuple(self.target_modules)
        for name in ("rank", "steps", "batch_size"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"DistilConfig.{name} must be >= 1, got {getattr(self, name)}")
        if not 0 <= self.warmup_steps < self.steps:
            raise ValueError(f"DistilConfig.warmup_steps must be in [0, steps={self.steps}), got {self.warmup_steps}")
        if not (self.lr > 0 and self.alpha > 0):
            raise ValueError(f"DistilConfig.lr and alpha must be positive, got lr={self.lr}, alpha={self.alpha}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"DistilConfig.dropout must be in [0, 1), got {self.dropout}")
        if not self.target_modules or not all(isinstance(m, str) and m for m in self.target_modules):
            raise ValueError(f"DistilConfig.target_modules must be non-empty module names, got {self.target_modules}")

    def lora_config(self) -> Any:
        from peft import LoraConfig

        return LoraConfig(
            r=self.rank,
            lora_alpha=self.alpha,
            lora_dropout=self.dropout,
            target_modules=list(self.target_modules),
            bias="none",
            task_type="CAUSAL_LM",
        )


@dataclass(frozen=True)
class Example:
    ids: tuple[int, ...]
    labels: tuple[int, ...]
    prefixed: bool  # continues from the system-turn cache


@dataclass(frozen=True)
class DistilResult:
    losses: list[float]
    train_s: float
    examples: int


def distil(
    server: AdapterServer, name: str, data: TrainingSet, config: DistilConfig, progress: bool = True
) -> DistilResult:
    """Add adapter `name` to `server` and train it on `data`; the adapter stays resident and off."""
    import torch

    torch.manual_seed(config.seed)
    model = server.model
    prefix_len, prefix = _system_prefix(model)  # before the adapter exists: base-model KV
    examples = encode(model, data, prefix_len, config.train_statements)
    server.add(name, config.lora_config())
    start = time.perf_counter()
    try:
        losses = _train(server, name, examples, prefix, config, progress)
    except BaseException:
        server.unload(name)
        raise
    return DistilResult(losses, time.perf_counter() - start, len(examples))


def encode(model: HFCausalLM, data: TrainingSet, prefix_len: int, statements: bool = True) -> list[Example]:
    examples = [_encode_qa(model, pair, prefix_len) for pair in data.qa]
    if statements:
        examples += [_encode_statement(model, text) for text in data.statements]
    if not examples:
        raise ValueError(f"training set from cubes {list(data.source_ids)[:3]} gives no examples")
    return examples


def _system_prefix(model: HFCausalLM) -> tuple[int, Any]:
    split = split_prompt(model, MemoryPrompt("", "?").messages())
    if split.prefix_len == 0:
        return 0, None
    return split.prefix_len, prefill(model, split.ids[:, : split.prefix_len])


def _encode_qa(model: HFCausalLM, pair: QAPair, prefix_len: int) -> Example:
    messages = MemoryPrompt("", pair.question).messages()
    prompt = model.chat_ids(messages)[0].tolist()
    full = model.chat_ids([*messages, {"role": "assistant", "content": pair.answer}], add_generation_prompt=False)
    full = full[0].tolist()
    if full[: len(prompt)] != prompt:
        raise ValueError(f"chat template of {model.name!r} does not extend the prompt with the answer: {pair}")
    ids = full[prefix_len:]
    labels = [IGNORE] * (len(prompt) - prefix_len) + full[len(prompt) :]
    return Example(tuple(ids), tuple(labels), prefixed=prefix_len > 0)


def _encode_statement(model: HFCausalLM, text: str) -> Example:
    ids = model.tokenizer(text, add_special_tokens=False)["input_ids"] + [model.tokenizer.eos_token_id]
    return Example(tuple(ids), tuple(ids), prefixed=False)


def _train(server: AdapterServer, name: str, examples: list[Example], prefix: Any, config: DistilConfig,
           progress: bool) -> list[float]:  # fmt: skip
    import torch
    from tqdm.auto import tqdm

    params = server.adapter_parameters(name)
    for p in params:
        p.requires_grad_(True)
    optimiser = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: _lr_factor(step, config))
    batches = _batch_stream(examples, config.batch_size, random.Random(config.seed))
    losses: list[float] = []
    with server.using(name):
        server.model.model.train()
        try:
            bar = tqdm(range(config.steps), desc=f"distil {name}", disable=not progress)
            for _ in bar:
                loss = _batch_loss(server.model, next(batches), prefix)
                loss.backward()
                optimiser.step()
                schedule.step()
                optimiser.zero_grad(set_to_none=True)
                losses.append(loss.item())
                bar.set_postfix(loss=f"{losses[-1]:.3f}")
        finally:
            server.model.model.eval()
            for p in params:
                p.requires_grad_(False)
    return losses


def _lr_factor(step: int, config: DistilConfig) -> float:
    if step < config.warmup_steps:
        return (step + 1) / config.warmup_steps
    progress = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))


def _batch_stream(examples: list[Example], batch_size: int, rng: random.Random):
    """Endless epochs of shuffled batches; a batch never mixes prefixed and plain examples."""
    groups = [[e for e in examples if e.prefixed], [e for e in examples if not e.prefixed]]
    while True:
        batches = []
        for group in groups:
            order = rng.sample(group, len(group))
            batches += [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        rng.shuffle(batches)
        yield from batches


def _batch_loss(model: HFCausalLM, batch: list[Example], prefix: Any):
    import torch
    import torch.nn.functional as F

    width = max(len(e.ids) for e in batch)
    pad = model.tokenizer.pad_token_id or model.tokenizer.eos_token_id
    ids = torch.tensor([list(e.ids) + [pad] * (width - len(e.ids)) for e in batch], device=model.device)
    labels = torch.tensor([list(e.labels) + [IGNORE] * (width - len(e.ids)) for e in batch], device=model.device)
    lengths = torch.tensor([[len(e.ids)] for e in batch], device=model.device)
    mask = (torch.arange(width, device=model.device)[None] < lengths).long()
    cache = None
    if batch[0].prefixed:
        cache = copy.deepcopy(prefix)
        cache.batch_repeat_interleave(len(batch))
        prefix_mask = torch.ones(len(batch), cache.get_seq_length(), dtype=mask.dtype, device=model.device)
        mask = torch.cat([prefix_mask, mask], dim=1)
    hidden = model.model.get_decoder()(input_ids=ids, attention_mask=mask, cache=cache, use_cache=False)
    hidden = hidden.last_hidden_state[:, :-1]
    targets = labels[:, 1:]
    keep = targets != IGNORE
    logits = model.model.get_output_embeddings()(hidden[keep])
    return F.cross_entropy(logits.float(), targets[keep])

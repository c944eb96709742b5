"""`tier=all`: one answer from every tier at once.

The namespace's LoRA adapter (if it has one) + the resident KV prefix + the
retrieved plaintext that neither already covers. The activation tier builds
the prompt (resident lines as a cached prefix, read by the base model, then
the extra retrieved lines and the question) and generates inside the
parameter tier's `using(adapter)`, the way the parameter tier itself serves:
the system turn is base-read, the rest sees the adapter.

A retrieved memory is *covered* when it is resident (the KV prefix holds it)
or the namespace's adapter stands for it (the adapter cube's `covers`: the
sources it was shown to recall, see distil_stable; an adapter trained at
commit covers all of its `provenance.derived_from`); only uncovered ones are
added as text. Every response reports per tier what served it
(`tier_accounting`).

With a scheduler, KV residency is the scheduler's (`set_resident`) and so are
the adapter slots (`detach`); this tier forwards both. The adapter is trained
at commit when `distil_on_commit`, or later by the `distil_stable` migration.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from memos_lab.cube import Kind, MemCube
from memos_lab.tiers.activation.tier import ActivationTier, ResidencyReport
from memos_lab.tiers.base import AnswerTier, Response
from memos_lab.tiers.composite.accounting import served_by, tier_accounting
from memos_lab.tiers.parameter.adapter_cube import memory_sources
from memos_lab.tiers.parameter.tier import ParameterTier


@dataclass
class AllTierConfig:
    _target_: str = "memos_lab.tiers.composite.tier.AllTier"
    _partial_: bool = True
    activation: Any = None  # a `tier=kv` node (conf/tier/kv.yaml)
    parameter: Any = None  # a `tier=lora` node (conf/tier/lora.yaml)
    distil_on_commit: bool = False  # true: train the namespace's adapter at commit; false: only by migration
    max_new_tokens: int = 32

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise ValueError(f"tier.max_new_tokens={self.max_new_tokens} must be >= 1")


class AllTier(AnswerTier):
    kind = Kind.ACTIVATION  # the tier whose payloads it holds per query; adapters are counted in bytes_by_kind

    def __init__(self, model, store, activation: Callable[..., ActivationTier] | None = None,
                 parameter: Callable[..., ParameterTier] | None = None, distil_on_commit: bool = False,
                 max_new_tokens: int = 32) -> None:
        """`activation`, `parameter`: factories `(model=, store=) -> tier` (partial Hydra nodes)."""
        self.store = store
        self.activation = (activation or ActivationTier)(model=model, store=store)
        self.parameter = (parameter or ParameterTier)(model=model, store=store)
        self.distil_on_commit = distil_on_commit
        self.bytes_per_token = self.activation.bytes_per_token
        self.set_answer_style(self.system, max_new_tokens)

    def set_answer_style(self, system: str, max_new_tokens: int) -> None:
        super().set_answer_style(system, max_new_tokens)
        for tier in (self.activation, self.parameter):
            tier.set_answer_style(system, max_new_tokens)

    def prepare(self, namespace: str, actor: str, cubes: Sequence[MemCube]) -> None:
        """Without a scheduler: the activation tier's own hot set; then the adapter, if trained at commit."""
        self.activation.prepare(namespace, actor, cubes)
        self.prepare_adapter(namespace, actor, cubes)

    def prepare_adapter(self, namespace: str, actor: str, cubes: Sequence[MemCube]) -> None:
        if self.distil_on_commit:
            self.parameter.prepare(namespace, actor, cubes)

    # The scheduler's view: KV residency (activation) and adapter slots (parameter).
    def set_resident(self, namespace: str, actor: str, cubes: Sequence[MemCube]) -> ResidencyReport:
        return self.activation.set_resident(namespace, actor, cubes)

    def hot(self, namespace: str):
        return self.activation.hot(namespace)

    def memory_tokens(self, cube: MemCube) -> int:
        return self.activation.memory_tokens(cube)

    def piece_of(self, cube_id: str) -> str | None:
        return self.activation.piece_of(cube_id)

    def detach(self, namespace: str) -> None:
        self.parameter.detach(namespace)

    def respond(self, namespace: str, actor: str, question: str, retrieved: Sequence[MemCube]) -> Response:
        start = time.perf_counter()
        adapter = self.parameter.adapter_for(namespace, actor)
        distilled = self._distilled(namespace, actor) if adapter else frozenset()
        adapter_s = time.perf_counter() - start
        uncovered = [c for c in retrieved if c.id not in distilled]
        with self.parameter.server.using(adapter) if adapter else nullcontext():
            response = self.activation.respond(namespace, actor, question, uncovered)
        resident = frozenset(c.id for c in self.activation.hot(namespace).cubes)
        served = served_by(retrieved, resident, distilled)
        accounting = tier_accounting(response, served, self.parameter.cube_ids.get(namespace) if adapter else None,
                                     self.parameter.adapter_bytes.get(namespace, 0) if adapter else 0, adapter_s)
        return Response(response.text, response.prompt_tokens, response.ttft_s, response.total_s + adapter_s,
                        {**response.extras, **accounting})

    def bytes_stored(self) -> int:
        return self.activation.bytes_stored() + self.parameter.bytes_stored()

    def bytes_by_kind(self) -> dict[str, int]:
        return {Kind.ACTIVATION.value: self.activation.bytes_stored(),
                Kind.PARAMETER.value: self.parameter.bytes_stored()}

    def _distilled(self, namespace: str, actor: str) -> frozenset[str]:
        """The memories the namespace's adapter stands for: those it was shown to recall (`covers`, written by
        distil_stable), else (trained at commit) all it was distilled from."""
        header = self.store.header(self.parameter.cube_ids[namespace], actor)
        return frozenset(header.meta.get("covers", memory_sources(header)))

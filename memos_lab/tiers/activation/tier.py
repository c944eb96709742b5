"""The activation tier: hot memories as a KV-cache prefix, retrieved memories as text after it.

prepare: choose the namespace's hot memories (`select_hot`, default: the most
recent that fit `max_tokens`), prefill the system turn that carries them once,
and store that KV cache as an activation cube (or load it, when the store
already holds one of exactly these tokens for this model).
respond: the prompt is the shared `MemoryPrompt` with memory = hot lines, then
the retrieved lines not already hot; the cached system turn stands for its
prefix, so only the tail (retrieved lines, question) is prefilled. The answer
is the one plain prompting with the same text gives. Below `min_tokens` of
prefix a KV cache does not pay for itself and the tier prompts plainly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from memos_lab.cube import Kind, MemCube, Provenance
from memos_lab.prompts import SYSTEM, MemoryPrompt, format_memories
from memos_lab.tiers.activation.build import prefill, system_turn_ids, template_meta
from memos_lab.tiers.activation.hot import SelectHot, most_recent
from memos_lab.tiers.activation.inject import generate_with_kv
from memos_lab.tiers.activation.kv import KVCache
from memos_lab.tiers.activation.serialize import kv_cube, kv_from_cube
from memos_lab.tiers.base import AnswerTier, Response


@dataclass(frozen=True)
class HotSet:
    """A namespace's hot memories and, when they are worth it, their cached prefix."""

    cubes: tuple[MemCube, ...] = ()
    kv: KVCache | None = None
    kv_cube_id: str | None = None
    kv_bytes: int = 0


class ActivationTier(AnswerTier):
    kind = Kind.ACTIVATION

    def __init__(
        self,
        model,
        store,
        max_tokens: int = 1024,
        min_tokens: int = 64,
        max_new_tokens: int = 32,
        select_hot: SelectHot = most_recent,
        system: str = SYSTEM,
    ) -> None:
        """`model`: an HFCausalLM; `store`: a CubeStore for the KV cubes.

        max_tokens: token budget of the hot memory lines in the KV prefix.
        min_tokens: break-even; a prefix shorter than this is prompted plainly.
        select_hot: `(cubes, budget_tokens) -> hot cubes`, see hot.py.
        """
        _require(max_tokens > 0, "max_tokens", max_tokens, "must be positive")
        _require(0 <= min_tokens, "min_tokens", min_tokens, "must be >= 0")
        _require(max_new_tokens > 0, "max_new_tokens", max_new_tokens, "must be positive")
        _require(callable(select_hot), "select_hot", select_hot, "must be callable (cubes, budget_tokens) -> cubes")
        _require(max_tokens < model.context_window, "max_tokens", max_tokens, f"must be below {model.context_window}")
        self.model, self.store = model, store
        self.max_tokens, self.min_tokens, self.max_new_tokens = max_tokens, min_tokens, max_new_tokens
        self.select_hot, self.system = select_hot, system
        self._hot: dict[str, HotSet] = {}

    def prepare(self, namespace: str, actor: str, cubes: Sequence[MemCube]) -> None:
        hot = tuple(self.select_hot(self._sized(cubes), self.max_tokens))
        ids = system_turn_ids(self.model, format_memories([c.text for c in hot]), self.system) if hot else []
        current = self._hot.get(namespace)
        if current is not None and current.kv is not None and current.kv.token_ids == tuple(ids):
            self._hot[namespace] = HotSet(hot, current.kv, current.kv_cube_id, current.kv_bytes)
        elif len(ids) < max(self.min_tokens, 1):
            self._hot[namespace] = HotSet(hot)
        else:
            self._hot[namespace] = self._stored(namespace, actor, hot, ids) or self._build(namespace, actor, hot, ids)

    def respond(self, namespace: str, actor: str, question: str, retrieved: Sequence[MemCube]) -> Response:
        hot = self._hot.get(namespace, HotSet())
        hot_ids = {c.id for c in hot.cubes}
        extra = [c for c in retrieved if c.id not in hot_ids]
        prompt = MemoryPrompt(format_memories([c.text for c in (*hot.cubes, *extra)]), question, self.system)
        input_ids = self.model.chat_ids(prompt.messages())
        if hot.kv is None:
            generation, reused = self.model.generate_ids(input_ids, max_new_tokens=self.max_new_tokens), 0
        else:
            injected = generate_with_kv(self.model, hot.kv, input_ids, self.max_new_tokens)
            generation, reused = injected.generation, injected.reused_tokens
        extras = self._extras(hot, reused, len(extra))
        return Response(generation.text, generation.prompt_tokens, generation.ttft_s, generation.total_s, extras)

    def bytes_stored(self) -> int:
        return sum(h.kv_bytes for h in self._hot.values())

    def hot(self, namespace: str) -> HotSet:
        return self._hot.get(namespace, HotSet())

    def _sized(self, cubes: Sequence[MemCube]) -> list[MemCube]:
        """Plaintext cubes with size_tokens set to their memory line's tokens."""
        plain = [c for c in cubes if c.kind is Kind.PLAINTEXT]
        return [c.replace_header(size_tokens=self.model.count_tokens(format_memories([c.text]) + "\n")) for c in plain]

    def _stored(self, namespace: str, actor: str, hot: tuple[MemCube, ...], ids: list[int]) -> HotSet | None:
        """A KV cube of exactly this prefix already in the store (e.g. a resumed run), if any."""
        fingerprint = self.model.fingerprint()
        for header in self.store.list(actor, namespace=namespace, kind=Kind.ACTIVATION):
            meta = header.meta
            if meta.get("token_ids") == ids and meta.get("model_fingerprint") == fingerprint:
                kv = kv_from_cube(self.store.get(header.id, actor), self.model)
                return HotSet(hot, kv, header.id, header.size_bytes)
        return None

    def _build(self, namespace: str, actor: str, hot: tuple[MemCube, ...], ids: list[int]) -> HotSet:
        kv = prefill(self.model, ids)
        provenance = Provenance(source=namespace, derived_from=tuple(c.id for c in hot), operator="activation.prefill")
        cube = kv_cube(
            kv, namespace=namespace, owner=actor, provenance=provenance, template=template_meta(self.model, self.system)
        )
        header = self.store.put(cube, actor)
        return HotSet(hot, kv, header.id, header.size_bytes)

    @staticmethod
    def _extras(hot: HotSet, reused: int, retrieved_added: int) -> dict[str, Any]:
        return {
            "mode": "plain" if hot.kv is None else "kv",
            "kv_cube_id": hot.kv_cube_id,
            "kv_tokens": 0 if hot.kv is None else hot.kv.num_tokens,
            "kv_bytes": hot.kv_bytes,
            "reused_tokens": reused,
            "hot_memories": len(hot.cubes),
            "retrieved_added": retrieved_added,
        }


def _require(ok: bool, key: str, value: Any, why: str) -> None:
    if not ok:
        raise ValueError(f"tier=kv: {key}={value!r} {why}")

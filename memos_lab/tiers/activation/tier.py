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
At most `max_resident` namespaces keep their KV in memory; others are read
back from the store when asked.
"""

from __future__ import annotations

from collections import OrderedDict
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
    """A namespace's hot memories and, when they are worth it, the stored KV cube of their prefix."""

    cubes: tuple[MemCube, ...] = ()
    token_ids: tuple[int, ...] = ()
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
        max_resident: int = 2,
        system: str = SYSTEM,
    ) -> None:
        """`model`: an HFCausalLM; `store`: a CubeStore for the KV cubes.

        max_tokens: token budget of the hot memory lines in the KV prefix.
        min_tokens: break-even; a prefix shorter than this is prompted plainly.
        select_hot: `(cubes, budget_tokens) -> hot cubes`, see hot.py.
        max_resident: namespaces whose KV cache stays in memory (others are reloaded).
        """
        _require(max_tokens > 0, "max_tokens", max_tokens, "must be positive")
        _require(max_tokens < model.context_window, "max_tokens", max_tokens, f"must be below {model.context_window}")
        _require(min_tokens >= 0, "min_tokens", min_tokens, "must be >= 0")
        _require(max_new_tokens > 0, "max_new_tokens", max_new_tokens, "must be positive")
        _require(callable(select_hot), "select_hot", select_hot, "must be callable (cubes, budget_tokens) -> cubes")
        _require(max_resident >= 1, "max_resident", max_resident, "must be >= 1")
        self.model, self.store = model, store
        self.max_tokens, self.min_tokens, self.max_new_tokens = max_tokens, min_tokens, max_new_tokens
        self.select_hot, self.max_resident, self.system = select_hot, max_resident, system
        self._hot: dict[str, HotSet] = {}
        self._resident: OrderedDict[str, KVCache] = OrderedDict()

    def prepare(self, namespace: str, actor: str, cubes: Sequence[MemCube]) -> None:
        hot = tuple(self.select_hot(self._sized(cubes), self.max_tokens))
        ids = tuple(system_turn_ids(self.model, format_memories([c.text for c in hot]), self.system)) if hot else ()
        current = self._hot.get(namespace)
        if current is not None and current.kv_cube_id is not None and current.token_ids == ids:
            self._hot[namespace] = HotSet(hot, ids, current.kv_cube_id, current.kv_bytes)
            return
        self._resident.pop(namespace, None)
        if len(ids) < max(self.min_tokens, 1):
            self._hot[namespace] = HotSet(hot, ids)
        else:
            self._hot[namespace] = self._stored(namespace, actor, hot, ids) or self._build(namespace, actor, hot, ids)

    def respond(self, namespace: str, actor: str, question: str, retrieved: Sequence[MemCube]) -> Response:
        hot = self.hot(namespace)
        hot_ids = {c.id for c in hot.cubes}
        extra = [c for c in retrieved if c.id not in hot_ids]
        prompt = MemoryPrompt(format_memories([c.text for c in (*hot.cubes, *extra)]), question, self.system)
        input_ids = self.model.chat_ids(prompt.messages())
        kv = self._kv(namespace, actor, hot)
        if kv is None:
            generation, reused = self.model.generate_ids(input_ids, max_new_tokens=self.max_new_tokens), 0
        else:
            injected = generate_with_kv(self.model, kv, input_ids, self.max_new_tokens)
            generation, reused = injected.generation, injected.reused_tokens
        extras = _extras(hot, reused, len(extra))
        return Response(generation.text, generation.prompt_tokens, generation.ttft_s, generation.total_s, extras)

    def bytes_stored(self) -> int:
        return sum(h.kv_bytes for h in self._hot.values())

    def hot(self, namespace: str) -> HotSet:
        return self._hot.get(namespace, HotSet())

    def _sized(self, cubes: Sequence[MemCube]) -> list[MemCube]:
        """Plaintext cubes with size_tokens set to their memory line's tokens."""
        plain = [c for c in cubes if c.kind is Kind.PLAINTEXT]
        return [c.replace_header(size_tokens=self.model.count_tokens(format_memories([c.text]) + "\n")) for c in plain]

    def _kv(self, namespace: str, actor: str, hot: HotSet) -> KVCache | None:
        """The namespace's KV cache: resident, or read back from the store (and made resident)."""
        if hot.kv_cube_id is None:
            return None
        if namespace not in self._resident:
            self._keep(namespace, kv_from_cube(self.store.get(hot.kv_cube_id, actor), self.model))
        self._resident.move_to_end(namespace)
        return self._resident[namespace]

    def _keep(self, namespace: str, kv: KVCache) -> None:
        self._resident[namespace] = kv
        while len(self._resident) > self.max_resident:
            self._resident.popitem(last=False)

    def _stored(self, namespace: str, actor: str, hot: tuple[MemCube, ...], ids: tuple[int, ...]) -> HotSet | None:
        """A KV cube of exactly this prefix already in the store (e.g. a resumed run), if any."""
        fingerprint = self.model.fingerprint()
        for header in self.store.list(actor, namespace=namespace, kind=Kind.ACTIVATION):
            if tuple(header.meta.get("token_ids", ())) == ids and header.meta.get("model_fingerprint") == fingerprint:
                return HotSet(hot, ids, header.id, header.size_bytes)
        return None

    def _build(self, namespace: str, actor: str, hot: tuple[MemCube, ...], ids: tuple[int, ...]) -> HotSet:
        kv = prefill(self.model, ids)
        provenance = Provenance(source=namespace, derived_from=tuple(c.id for c in hot), operator="activation.prefill")
        cube = kv_cube(
            kv, namespace=namespace, owner=actor, provenance=provenance, template=template_meta(self.model, self.system)
        )
        header = self.store.put(cube, actor)
        self._keep(namespace, kv)
        return HotSet(hot, ids, header.id, header.size_bytes)


def _extras(hot: HotSet, reused: int, retrieved_added: int) -> dict[str, Any]:
    return {
        "mode": "plain" if hot.kv_cube_id is None else "kv",
        "kv_cube_id": hot.kv_cube_id,
        "kv_tokens": len(hot.token_ids) if hot.kv_cube_id else 0,
        "kv_bytes": hot.kv_bytes,
        "reused_tokens": reused,
        "hot_memories": len(hot.cubes),
        "retrieved_added": retrieved_added,
    }


def _require(ok: bool, key: str, value: Any, why: str) -> None:
    if not ok:
        raise ValueError(f"tier=kv: {key}={value!r} {why}")

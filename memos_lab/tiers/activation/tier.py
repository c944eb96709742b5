"""The activation tier: resident memories as a KV-cache prefix, retrieved memories as text after it.

Which memories are resident is decided in one of two ways:
- on its own (no scheduler): `prepare` takes the namespace's hot memories
  (`select_hot`, default: the most recent that fit `max_tokens`), pre-fills the
  system turn carrying them once and stores it as an activation cube (or loads
  it when the store already holds one of exactly these tokens for this model);
  below `min_tokens` of prefix a KV cache does not pay for itself and the tier
  prompts plainly;
- by the memory scheduler (memos_lab/scheduling), which calls `set_resident`
  after each tick with the cubes its policy keeps under the budget. The prefix is
  then built by `mode`: `exact` (one prefill of the whole set) or `composed`
  (one stored piece per memory, composed with RoPE re-rotation, see residency.py).
respond: the prompt is the shared `MemoryPrompt` with memory = resident lines,
then the retrieved lines not resident; the cached prefix stands for the
resident part, so only the tail is pre-filled. The actor must be allowed to read
the namespace, whatever is in memory. At most `max_resident` namespaces keep
their composed or exact prefix in memory; others are rebuilt or read back.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from memos_lab.cube import Kind, MemCube, Provenance
from memos_lab.prompts import SYSTEM, MemoryPrompt, format_memories
from memos_lab.tiers.activation.build import kv_bytes_per_token, prefill, system_turn_ids, template_meta
from memos_lab.tiers.activation.hot import SelectHot, most_recent
from memos_lab.tiers.activation.inject import generate_with_kv
from memos_lab.tiers.activation.kv import KVCache
from memos_lab.tiers.activation.residency import Built, ComposedPrefix, ExactPrefix
from memos_lab.tiers.activation.serialize import kv_cube, kv_from_cube
from memos_lab.tiers.base import AnswerTier, Response


class KVMode(str, Enum):
    exact = "exact"  # one prefill of the whole resident set: answers equal prompting
    composed = "composed"  # one piece per memory, composed: a promotion costs one piece's prefill


@dataclass
class ActivationTierConfig:
    _target_: str = "memos_lab.tiers.activation.tier.ActivationTier"
    _partial_: bool = True
    max_tokens: int = 1024  # without a scheduler: token budget of the hot memory lines held as KV
    min_tokens: int = 64  # without a scheduler: a shorter prefix is prompted plainly (break-even)
    max_new_tokens: int = 32
    max_resident: int = 2  # namespaces whose prefix stays in memory
    select_hot: Any = None  # without a scheduler: (cubes, budget_tokens) -> hot cubes
    mode: KVMode = KVMode.exact  # with a scheduler: how the resident prefix is built
    recompute_tokens: int = 0  # composed: first tokens of each piece recomputed in context (EPIC)
    persist_pieces: bool = True  # composed: each piece is stored as an activation cube, reloaded on re-admission

    def __post_init__(self) -> None:
        for key in ("max_tokens", "max_new_tokens", "max_resident"):
            if getattr(self, key) < 1:
                raise ValueError(f"tier.{key}={getattr(self, key)} must be >= 1")
        for key in ("min_tokens", "recompute_tokens"):
            if getattr(self, key) < 0:
                raise ValueError(f"tier.{key}={getattr(self, key)} must be >= 0")


@dataclass(frozen=True)
class HotSet:
    """A namespace's resident memories and, when stored as one cube, that cube."""

    cubes: tuple[MemCube, ...] = ()
    token_ids: tuple[int, ...] = ()
    kv_cube_id: str | None = None
    kv_bytes: int = 0


@dataclass(frozen=True)
class ResidencyReport:
    """What `set_resident` did for one namespace."""

    changed: bool
    built: Built = field(default_factory=lambda: Built(None))
    kv_tokens: int = 0
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
        select_hot: SelectHot | None = most_recent,
        max_resident: int = 2,
        mode: KVMode | str = KVMode.exact,
        recompute_tokens: int = 0,
        persist_pieces: bool = True,
        system: str = SYSTEM,
    ) -> None:
        """`model`: an HFCausalLM; `store`: a CubeStore for the KV cubes. See ActivationTierConfig."""
        _require(max_tokens > 0, "max_tokens", max_tokens, "must be positive")
        _require(max_tokens < model.context_window, "max_tokens", max_tokens, f"must be below {model.context_window}")
        _require(min_tokens >= 0, "min_tokens", min_tokens, "must be >= 0")
        _require(max_new_tokens > 0, "max_new_tokens", max_new_tokens, "must be positive")
        select_hot = most_recent if select_hot is None else select_hot
        _require(callable(select_hot), "select_hot", select_hot, "must be callable (cubes, budget_tokens) -> cubes")
        _require(max_resident >= 1, "max_resident", max_resident, "must be >= 1")
        _require(recompute_tokens >= 0, "recompute_tokens", recompute_tokens, "must be >= 0")
        self.model, self.store = model, store
        self.max_tokens, self.min_tokens, self.max_new_tokens = max_tokens, min_tokens, max_new_tokens
        self.select_hot, self.max_resident, self.system = select_hot, max_resident, system
        self.mode = KVMode(mode)
        self.persist_pieces = persist_pieces
        self._hot: dict[str, HotSet] = {}
        self._resident: OrderedDict[str, KVCache] = OrderedDict()
        self._builders: dict[str, ExactPrefix | ComposedPrefix] = {}  # namespace -> its scheduled prefix builder
        self._piece_cubes: dict[str, str] = {}  # memory cube id -> stored piece cube id
        self._recompute_tokens = recompute_tokens
        self.bytes_per_token = kv_bytes_per_token(model)

    def prepare(self, namespace: str, actor: str, cubes: Sequence[MemCube]) -> None:
        """Without a scheduler: make the hot set of `select_hot` resident (one stored cube)."""
        if namespace in self._builders:
            return  # the scheduler owns this namespace's residency
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

    def set_resident(self, namespace: str, actor: str, cubes: Sequence[MemCube]) -> ResidencyReport:
        """The scheduler's decision: exactly `cubes` (of `namespace`) are resident, in chronological order."""
        self.store.require_namespace_read(actor, namespace)
        ordered = tuple(sorted(cubes, key=lambda c: (c.header.created_at, c.id)))
        builder = self._builders.get(namespace) or self._builders.setdefault(namespace, self._builder(namespace, actor))
        current = self._hot.get(namespace, HotSet())
        if [c.id for c in current.cubes] == [c.id for c in ordered] and (namespace in self._resident or not ordered):
            return ResidencyReport(False, kv_tokens=len(current.token_ids), kv_bytes=current.kv_bytes)
        builder.forget({c.id for c in ordered})
        built = builder.build([(c.id, c.text) for c in ordered])
        self._resident.pop(namespace, None)
        if built.kv is None:
            self._hot[namespace] = HotSet()
            return ResidencyReport(True, built)
        self._hot[namespace] = HotSet(ordered, built.kv.token_ids, None, built.kv.nbytes)
        self._keep(namespace, built.kv)
        return ResidencyReport(True, built, built.kv.num_tokens, built.kv.nbytes)

    def respond(self, namespace: str, actor: str, question: str, retrieved: Sequence[MemCube]) -> Response:
        hot = self.hot(namespace)
        if hot.cubes:  # whatever is resident or cached, only an actor who may read the namespace is served from it
            self.store.require_namespace_read(actor, namespace)
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
        extras = _extras(hot, kv, reused, len(extra))
        return Response(generation.text, generation.prompt_tokens, generation.ttft_s, generation.total_s, extras)

    def bytes_stored(self, namespaces: Sequence[str] | None = None) -> int:
        """Bytes of the KV held for `namespaces` (default: all): stored prefix cubes and resident pieces."""
        chosen = self._hot if namespaces is None else {n: self._hot[n] for n in namespaces if n in self._hot}
        return sum(h.kv_bytes for h in chosen.values())

    def hot(self, namespace: str) -> HotSet:
        return self._hot.get(namespace, HotSet())

    def piece_of(self, cube_id: str) -> str | None:
        """The stored KV piece cube of a memory (composed mode with persisted pieces), if any."""
        return self._piece_cubes.get(cube_id)

    def memory_tokens(self, cube: MemCube) -> int:
        """Tokens a memory occupies in the prefix (its `- line` and newline): its size under a token budget."""
        return self.model.count_tokens(format_memories([cube.text]) + "\n")

    def _sized(self, cubes: Sequence[MemCube]) -> list[MemCube]:
        """Plaintext cubes with size_tokens set to their memory line's tokens."""
        plain = [c for c in cubes if c.kind is Kind.PLAINTEXT]
        return [c.replace_header(size_tokens=self.memory_tokens(c)) for c in plain]

    def _kv(self, namespace: str, actor: str, hot: HotSet) -> KVCache | None:
        """The namespace's prefix: resident, rebuilt by its scheduled builder, or read back from the store."""
        if namespace not in self._resident:
            if namespace in self._builders and hot.cubes:
                self._keep(namespace, self._builders[namespace].build([(c.id, c.text) for c in hot.cubes]).kv)
            elif hot.kv_cube_id is not None:
                self._keep(namespace, kv_from_cube(self.store.get(hot.kv_cube_id, actor), self.model))
            else:
                return None
        self._resident.move_to_end(namespace)
        return self._resident[namespace]

    def _keep(self, namespace: str, kv: KVCache) -> None:
        self._resident[namespace] = kv
        while len(self._resident) > self.max_resident:
            self._resident.popitem(last=False)

    def _builder(self, namespace: str, actor: str) -> ExactPrefix | ComposedPrefix:
        if self.mode is KVMode.exact:
            return ExactPrefix(self.model, self.system)
        if not self.persist_pieces:
            return ComposedPrefix(self.model, self.system, self._recompute_tokens)
        return ComposedPrefix(self.model, self.system, self._recompute_tokens,
                              load=lambda key: self._load_piece(key, actor),
                              save=lambda key, kv: self._save_piece(key, kv, namespace, actor))

    def _load_piece(self, source_id: str, actor: str) -> KVCache | None:
        piece_id = self._piece_cubes.get(source_id)
        return None if piece_id is None else kv_from_cube(self.store.get(piece_id, actor, touch=False), self.model)

    def _save_piece(self, source_id: str, kv: KVCache, namespace: str, actor: str) -> None:
        provenance = Provenance(source=namespace, derived_from=(source_id,), operator="activation.piece")
        cube = kv_cube(kv, namespace=namespace, owner=actor, provenance=provenance,
                       template=template_meta(self.model, self.system))
        self._piece_cubes[source_id] = self.store.put(cube, actor).id

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


def _extras(hot: HotSet, kv: KVCache | None, reused: int, retrieved_added: int) -> dict[str, Any]:
    return {
        "mode": "plain" if kv is None else "kv",
        "kv_cube_id": hot.kv_cube_id,
        "kv_tokens": 0 if kv is None else kv.num_tokens,
        "kv_bytes": hot.kv_bytes,
        "reused_tokens": reused,
        "hot_memories": len(hot.cubes),
        "retrieved_added": retrieved_added,
    }


def _require(ok: bool, key: str, value: Any, why: str) -> None:
    if not ok:
        raise ValueError(f"tier=kv: {key}={value!r} {why}")

"""The parameter tier: a namespace's memories distilled into a LoRA adapter.

`prepare` trains an adapter on the namespace's plaintext cubes and stores it
as a parameter cube (provenance: the source cubes). `respond` answers with the
base model plus that adapter, closed-book by default; with `use_retrieval`
the retrieved plaintext goes into the system turn as well. The system turn is
read by the base model (see system_prefix.py), the question with the adapter.

Access: every `respond` checks the actor's read right on the namespace's
parameter cube before answering, whatever is resident, so an outsider gets
AccessDeniedError in every state (fresh, resident, reloaded, detached).
Resident adapters are keyed by namespace *and* cube id (`adapter_name`), and
loading is all or nothing: a cube that fails to load leaves the previous
adapter serving and the reported cube id unchanged.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from memos_lab.cube import Kind, Lifecycle, MemCube, Provenance, new_cube_id, text_hash
from memos_lab.lifecycle import SERVED
from memos_lab.models.base import ChatModel
from memos_lab.models.hf_local import HFCausalLM
from memos_lab.prompts import MemoryPrompt, format_memories
from memos_lab.tiers.base import AnswerTier, Response
from memos_lab.tiers.parameter.adapter_cube import MEMORIES_KEY, adapter_to_cube, cube_to_adapter, memory_sources
from memos_lab.tiers.parameter.distil import DistilConfig, distil
from memos_lab.tiers.parameter.recall import memory_recall
from memos_lab.tiers.parameter.serving import AdapterServer
from memos_lab.tiers.parameter.system_prefix import PrefixCache, split_prompt
from memos_lab.tiers.parameter.training_data import build_training_set

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


class ParameterTier(AnswerTier):
    kind = Kind.PARAMETER

    def __init__(
        self,
        model: HFCausalLM,
        store: Any,
        distil: DistilConfig | Mapping[str, Any] | None = None,
        use_retrieval: bool = False,
        max_new_tokens: int = 32,
        question_writer: ChatModel | None = None,
        progress: bool = True,
    ) -> None:
        if not isinstance(model, HFCausalLM):
            raise TypeError(f"the parameter tier trains LoRA on a local HFCausalLM, got {type(model).__name__}")
        self.model = model
        self.store = store
        self.config = distil if isinstance(distil, DistilConfig) else DistilConfig(**dict(distil or {}))
        self.use_retrieval = use_retrieval
        self.max_new_tokens = max_new_tokens
        self.question_writer = question_writer
        self.progress = progress
        self.server = AdapterServer.of(model)
        self.prefixes = PrefixCache(model)
        self.cube_ids: dict[str, str] = {}  # namespace -> its parameter cube
        self.adapters: dict[str, str] = {}  # namespace -> its resident adapter's name
        self.train_s: dict[str, float] = {}
        self.losses: dict[str, list[float]] = {}
        self.adapter_bytes: dict[str, int] = {}
        self.merger: Any = None  # fusion=lora_merge (operators/lora_merge.py): `grow` merges instead of retraining

    def prepare(self, namespace: str, actor: str, cubes: Sequence[MemCube]) -> None:
        """Distil the namespace's plaintext cubes into an adapter, store it, keep it resident."""
        plaintext = [c for c in cubes if c.kind is Kind.PLAINTEXT]
        if not plaintext:
            raise ValueError(f"namespace {namespace!r}: no plaintext cubes to distil")
        recipe = self._recipe(plaintext)
        if self._reuse(namespace, actor, recipe):
            return
        cube_id = new_cube_id()
        name = adapter_name(namespace, cube_id)
        data = build_training_set(plaintext, self.question_writer)
        try:
            result = distil(self.server, name, data, self.config, progress=self.progress)
            provenance = Provenance(source=namespace, refs=(), derived_from=data.source_ids, operator="distil:lora")
            meta = {"train_s": result.train_s, "steps": len(result.losses), "final_loss": result.losses[-1],
                    "examples": result.examples, "recipe_sha256": recipe}  # fmt: skip
            cube = adapter_to_cube(self.server, name, namespace=namespace, owner=actor, provenance=provenance,
                                   meta=meta, cube_id=cube_id)  # fmt: skip
            header = self.store.put(cube, actor)
        except BaseException:
            self._drop(name)  # the previous adapter keeps serving
            raise
        self._serve(namespace, name, header.id, header.size_bytes)
        self.train_s[namespace] = result.train_s
        self.losses[namespace] = result.losses

    def grow(self, namespace: str, actor: str, cubes: Sequence[MemCube]) -> None:
        """The namespace's adapter extended to stand for `cubes`. With a merger and a current adapter, only the
        memories it was not distilled from are distilled, and that adapter is merged into the current one (both
        inputs -> merged); otherwise all of `cubes` are distilled anew (`prepare`)."""
        current = self.cube_ids.get(namespace)
        if self.merger is None or current is None:
            self.prepare(namespace, actor, cubes)
            return
        held = set(memory_sources(self.store.header(current, actor)))
        new = [c for c in cubes if c.id not in held]
        if not new:
            return
        self.prepare(namespace, actor, new)
        inputs = [self.store.get(cube_id, actor, touch=False) for cube_id in (current, self.cube_ids[namespace])]
        merged = self.merger.fuse(self.server, *inputs)
        memories = sorted({*held, *(c.id for c in new)})
        header = self.store.put(merged.replace_header(meta={**merged.header.meta, MEMORIES_KEY: memories}), actor)
        for cube in inputs:
            self.store.transition(cube.id, actor, Lifecycle.MERGED)
        self.attach(namespace, actor, header.id)

    def _recipe(self, plaintext: Sequence[MemCube]) -> str:
        """What an adapter is a function of: the base weights, the memories, the training config, the QA writer."""
        parts = {
            "base": self.model.fingerprint()["weights_sha256"],
            "memories": sorted(text_hash(c.text) for c in plaintext),
            "distil": repr(self.config),
            "question_writer": getattr(self.question_writer, "name", None),
        }
        return hashlib.sha256(repr(sorted(parts.items())).encode()).hexdigest()

    def _reuse(self, namespace: str, actor: str, recipe: str) -> bool:
        """Serve a stored adapter of exactly this recipe (a resumed run) instead of training again; a retired
        (archived) or merged one never comes back."""
        for header in self.store.list(actor, namespace=namespace, kind=Kind.PARAMETER):
            if header.state in SERVED and header.meta.get("recipe_sha256") == recipe:
                self.attach(namespace, actor, header.id)
                self.train_s[namespace] = float(header.meta.get("train_s", 0.0))
                return True
        return False

    def attach(self, namespace: str, actor: str, cube_id: str) -> None:
        """Serve `namespace` with an existing parameter cube from the store (checked against the base model)."""
        cube = self.store.get(cube_id, actor)
        name = adapter_name(namespace, cube.id)
        if name not in self.server:
            cube_to_adapter(self.server, cube, name)  # all or nothing: on failure the previous adapter stays
        self._serve(namespace, name, cube.id, cube.header.size_bytes)

    def detach(self, namespace: str) -> None:
        """Free the namespace's adapter slot; its cube stays in the store and the next `respond` reloads it."""
        self._drop(self.adapters.pop(namespace, None))

    def retire(self, namespace: str) -> str | None:
        """Stop serving the namespace's adapter (undistil): detached and forgotten; its cube id, if it had one."""
        self.detach(namespace)
        self.adapter_bytes.pop(namespace, None)
        self.train_s.pop(namespace, None)
        return self.cube_ids.pop(namespace, None)

    def adapter_for(self, namespace: str, actor: str) -> str | None:
        """The namespace's adapter, loaded and access-checked, or None when it has none (a composite tier)."""
        return self._resident(namespace, actor) if namespace in self.cube_ids else None

    def adapter_of(self, namespace: str) -> str | None:
        """The name of the namespace's resident adapter (for measurements such as perplexity), if any."""
        name = self.adapters.get(namespace)
        return name if name in self.server else None

    def respond(self, namespace: str, actor: str, question: str, retrieved: Sequence[MemCube]) -> Response:
        name = self._resident(namespace, actor)
        memory = format_memories([c.text for c in retrieved]) if self.use_retrieval else ""
        gen, base_prefix = self._generate(name, memory, question)
        extras = {"adapter_cube": self.cube_ids[namespace], "base_prefix_tokens": base_prefix,
                  "train_s": self.train_s.get(namespace), "adapter_bytes": self.adapter_bytes[namespace]}  # fmt: skip
        return Response(gen.text, gen.prompt_tokens, gen.ttft_s, gen.total_s, extras)

    def recall(self, namespace: str, actor: str, cubes: Sequence[MemCube]) -> dict[str, float]:
        """Per memory, how much of its probe answers the namespace's adapter reproduces closed-book (recall.py)."""
        name = self._resident(namespace, actor)
        return {cube.id: memory_recall(lambda q: self._generate(name, "", q)[0].text, cube) for cube in cubes}

    def _generate(self, name: str, memory: str, question: str):
        """Greedy answer with adapter `name`; the system turn is read by the base model (system_prefix.py)."""
        split = split_prompt(self.model, MemoryPrompt(memory, question, self.system).messages())
        cache = self.prefixes.get(split.ids[:, : split.prefix_len]) if split.prefix_len else None
        with self.server.using(name):
            return self.model.generate_ids(split.ids, max_new_tokens=self.max_new_tokens, cache=cache), split.prefix_len

    def bytes_stored(self) -> int:
        return sum(self.adapter_bytes.values())

    def _serve(self, namespace: str, name: str, cube_id: str, size: int) -> None:
        """Make `name` the namespace's adapter (it is resident); then free the one it replaces."""
        previous = self.adapters.get(namespace)
        self.adapters[namespace] = name
        self.cube_ids[namespace] = cube_id
        self.adapter_bytes[namespace] = size
        if previous != name:
            self._drop(previous)

    def _drop(self, name: str | None) -> None:
        if name is not None and name in self.server:
            self.server.unload(name)

    def _resident(self, namespace: str, actor: str) -> str:
        """The namespace's adapter, after checking that `actor` may read its cube (on every answer)."""
        cube_id = self.cube_ids.get(namespace)
        if cube_id is None:
            raise KeyError(f"namespace {namespace!r} has no adapter: call prepare() or attach() first")
        self.store.header(cube_id, actor)  # AccessDeniedError for anyone without read, whatever is resident
        if self.adapter_of(namespace) is None:
            self.attach(namespace, actor, cube_id)
        return self.adapters[namespace]


def adapter_name(namespace: str, cube_id: str) -> str:
    """The peft adapter name of one cube serving one namespace (peft puts it in attribute names: [A-Za-z0-9_])."""
    digest = hashlib.sha256(f"{namespace}\0{cube_id}".encode()).hexdigest()[:12]
    return f"ns_{_UNSAFE.sub('_', namespace)[:40]}_{digest}"

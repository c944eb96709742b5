"""How a set of resident memories becomes one KV prefix: exact prefill, or composed pieces.

`ExactPrefix` pre-fills the system turn carrying every resident line in one
pass: answers equal prompting, and any change of the set costs a prefill of
all of it. `ComposedPrefix` pre-fills a shared header once and each memory
line once, as a piece after the header (pieces.py), and composes the prefix
from them (compose.py): admitting one memory costs one piece's prefill, at the
price of pieces that did not attend to each other (optionally repaired by
recomputing each piece's first tokens, recompute.py). Both report what they
pre-filled, so the scheduler's cost is measured, not assumed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from memos_lab.prompts import SYSTEM, format_memories
from memos_lab.tiers.activation.build import prefill, system_turn_ids
from memos_lab.tiers.activation.compose import compose
from memos_lab.tiers.activation.kv import KVCache
from memos_lab.tiers.activation.pieces import build_header, piece_ids
from memos_lab.tiers.activation.recompute import recompute_piece_heads

LoadPiece = Callable[[str], "KVCache | None"]
SavePiece = Callable[[str, KVCache], None]


@dataclass(frozen=True)
class Built:
    """A prefix and what building it cost."""

    kv: KVCache | None
    prefill_tokens: int = 0  # tokens the model ran over (pieces, headers, recomputed heads, exact prefixes)
    prefill_s: float = 0.0
    pieces_built: int = 0
    pieces_loaded: int = 0


class ExactPrefix:
    """The reference: one prefill of the whole resident set."""

    def __init__(self, model, system: str = SYSTEM) -> None:
        self.model, self.system = model, system

    def build(self, memories: Sequence[tuple[str, str]]) -> Built:
        """`memories`: (cube id, memory line) in prompt order."""
        if not memories:
            return Built(None)
        ids = system_turn_ids(self.model, format_memories([line for _, line in memories]), self.system)
        start = time.perf_counter()
        kv = prefill(self.model, ids)
        return Built(kv, len(ids), time.perf_counter() - start)

    def forget(self, keep: set[str]) -> None:
        """Nothing is kept between builds."""


class ComposedPrefix:
    """Header + one piece per memory, each pre-filled once, composed with RoPE re-rotation."""

    def __init__(self, model, system: str = SYSTEM, recompute_tokens: int = 0,
                 load: LoadPiece | None = None, save: SavePiece | None = None) -> None:
        self.model, self.system, self.recompute_tokens = model, system, recompute_tokens
        self.load, self.save = load, save
        self.header: KVCache | None = None
        self.pieces: dict[str, KVCache] = {}

    def build(self, memories: Sequence[tuple[str, str]]) -> Built:
        if not memories:
            return Built(None)
        start = time.perf_counter()
        tokens = built = loaded = 0
        if self.header is None:
            self.header = build_header(self.model, self.system)
            tokens += self.header.num_tokens
        for key, line in memories:
            if key in self.pieces:
                continue
            piece = self.load(key) if self.load else None
            if piece is None:
                piece = prefill(self.model, piece_ids(self.model, line), context=self.header)
                tokens, built = tokens + piece.num_tokens, built + 1
                if self.save:
                    self.save(key, piece)
            else:
                loaded += 1
            self.pieces[key] = piece
        kv, recomputed = self._compose([key for key, _ in memories])
        return Built(kv, tokens + recomputed, time.perf_counter() - start, built, loaded)

    def forget(self, keep: set[str]) -> None:
        """Drop the pieces of memories that are no longer resident."""
        for key in set(self.pieces) - keep:
            del self.pieces[key]

    def _compose(self, keys: Sequence[str]) -> tuple[KVCache, int]:
        pieces = [self.pieces[key] for key in keys]
        kv = compose([self.header, *pieces], self.model)
        starts, offset = [], self.header.num_tokens
        for piece in pieces:
            starts.append(offset)
            offset += piece.num_tokens
        return recompute_piece_heads(self.model, kv, starts, self.recompute_tokens)

"""kv_concat: retrieved memories join the KV prefix as stored pieces, concatenated, instead of being read as text.

In `tier=kv` and `tier=all` the resident memories are a cached prefix, and
every retrieved memory that is not resident is written into the prompt as text
and pre-filled with the question, at every query. With `kv_concat` the
activation tier serves a query from one composed prefix, the resident lines
then the retrieved ones, each line a KV *piece*: pre-filled once after the
shared system header, stored as an activation cube (provenance: its memory),
read back on its next retrieval, and concatenated with RoPE re-rotation to its
position (tiers/activation/compose.py, the composition of the scheduler).
Only pieces never built before, and the question, are pre-filled; the time
to build and compose counts in the time to first token. The price is
composition's: pieces do not attend to each other (`kv.recompute_tokens`
recomputes each piece's first tokens in context). The stored pieces count in
the tier's activation bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from memos_lab.cube import Kind
from memos_lab.tiers.activation.tier import PIECE_OPERATOR, ActivationTier

OPERATOR = "fuse.kv_concat"


@dataclass
class KVConcatConfig:
    _target_: str = "memos_lab.operators.kv_concat.KVConcat"
    TIERS: ClassVar[tuple[str, ...]] = ("kv", "all")  # the tier options it works in (checked at composition)
    _partial_: bool = True


class KVConcat:
    name = OPERATOR

    def attach(self, tier: Any) -> None:
        """Make the tier's activation tier (the tier itself for tier=kv) concatenate retrieved pieces."""
        activation = getattr(tier, "activation", tier)
        if not isinstance(activation, ActivationTier):
            raise ValueError(f"fusion.kv_concat composes KV pieces: it needs tier=kv or tier=all, "
                             f"not {type(tier).__name__}")
        activation.concat_retrieved = True

    def summary(self, store: Any, owners: Iterable[tuple[str, str]]) -> dict[str, Any]:
        """How many KV pieces the namespaces hold (kv_concat's and the scheduler's)."""
        pieces = sum(header.provenance.operator == PIECE_OPERATOR
                     for namespace, actor in owners
                     for header in store.list(actor, namespace=namespace, kind=Kind.ACTIVATION))
        return {"kv_pieces": pieces}

"""lora_merge: a namespace's adapter grows by merging, not by retraining.

When `distil_stable` distils a namespace that already has an adapter, the
parameter tier (`ParameterTier.grow`) trains a new adapter on the memories
the current one was not distilled from, then fuses the two with peft's
`add_weighted_adapter` (tiers/parameter/merge.py). `combination=cat` (the
default) stacks them, rank old + new, and is exactly the weighted sum of
their deltas; `linear`, `ties` and `dare_ties` need equal ranks. The merged
cube's provenance lists both adapter cubes (operator `merge:<combination>`),
its meta `memories` every memory either stood for; both inputs move to
`merged`. Training then costs the new memories only. Needs `tier=all`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from memos_lab.cube import Kind, MemCube
from memos_lab.tiers.parameter.merge import COMBINATIONS, merge_cubes

OPERATOR = "fuse.lora_merge"


@dataclass
class LoraMergeConfig:
    _target_: str = "memos_lab.operators.lora_merge.LoraMerge"
    TIERS: ClassVar[tuple[str, ...]] = ("all",)  # the tier options it works in (checked at composition)
    _partial_: bool = True
    combination: str = "cat"  # cat | linear | ties | dare_ties (peft add_weighted_adapter)
    weights: list[float] = field(default_factory=lambda: [1.0, 1.0])  # (the namespace's adapter, the new one)
    density: float = 0.5  # ties / dare_ties: share of each delta kept

    def __post_init__(self) -> None:
        if self.combination not in COMBINATIONS:
            raise ValueError(f"fusion.lora_merge.combination={self.combination!r} must be one of {COMBINATIONS}")
        if len(self.weights) != 2 or not all(w > 0 for w in self.weights):
            raise ValueError(f"fusion.lora_merge.weights={list(self.weights)} must be two positive weights "
                             "(the namespace's adapter, the new one)")
        if not 0 < self.density <= 1:
            raise ValueError(f"fusion.lora_merge.density={self.density} must be in (0, 1]")


class LoraMerge:
    name = OPERATOR

    def __init__(self, combination: str = "cat", weights: Sequence[float] = (1.0, 1.0), density: float = 0.5) -> None:
        LoraMergeConfig(combination=combination, weights=list(weights), density=density)
        self.combination, self.weights, self.density = combination, list(weights), density

    def attach(self, tier: Any) -> None:
        """Make the tier's parameter tier grow adapters by merging."""
        parameter = getattr(tier, "parameter", None)
        if parameter is None:
            raise ValueError(f"fusion.lora_merge merges the adapters distil_stable grows: it needs tier=all, "
                             f"not {type(tier).__name__}")
        parameter.merger = self

    def fuse(self, server: Any, current: MemCube, new: MemCube) -> MemCube:
        """One parameter cube: the namespace's `current` adapter merged with the `new` one, weighted."""
        return merge_cubes(server, [current, new], namespace=current.header.namespace, owner=current.header.owner,
                           combination=self.combination, weights=self.weights, density=self.density)

    def summary(self, store: Any, owners: Iterable[tuple[str, str]]) -> dict[str, Any]:
        """How many adapters were made by merging, over the (namespace, actor) pairs given."""
        merges = sum(header.provenance.operator.startswith("merge:")
                     for namespace, actor in owners
                     for header in store.list(actor, namespace=namespace, kind=Kind.PARAMETER))
        return {"adapter_merges": merges}

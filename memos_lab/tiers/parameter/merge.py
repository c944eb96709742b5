"""Fuse adapters into one with peft's `add_weighted_adapter`.

`linear`, `ties` and `dare_ties` need equal ranks and keep it; `cat` stacks
the sources (rank = sum of ranks) and is exact for the sum of their deltas.
The merged cube's provenance lists every source cube.
"""

from __future__ import annotations

from collections.abc import Sequence

from memos_lab.cube import MemCube, Provenance
from memos_lab.tiers.parameter.adapter_cube import adapter_to_cube, cube_to_adapter
from memos_lab.tiers.parameter.serving import AdapterServer

COMBINATIONS = ("linear", "cat", "ties", "dare_ties")
_NEEDS_DENSITY = ("ties", "dare_ties")


def merge_adapters(
    server: AdapterServer,
    sources: Sequence[str],
    name: str,
    combination: str = "cat",
    weights: Sequence[float] | None = None,
    density: float = 0.5,
) -> None:
    """Add adapter `name` to `server`, the weighted combination of the resident adapters `sources`; it stays off."""
    if combination not in COMBINATIONS:
        raise ValueError(f"combination must be one of {COMBINATIONS}, got {combination!r}")
    if len(sources) < 2:
        raise ValueError(f"merging needs at least two adapters, got {list(sources)}")
    weights = [1.0] * len(sources) if weights is None else list(weights)
    if len(weights) != len(sources):
        raise ValueError(f"{len(weights)} weights for {len(sources)} adapters")
    for source in sources:
        server.adapter_parameters(source)  # refuses an unknown name with the resident list
    if not 0 < density <= 1:
        raise ValueError(f"density must be in (0, 1], got {density}")
    server.peft_model.add_weighted_adapter(
        adapters=list(sources),
        weights=weights,
        adapter_name=name,
        combination_type=combination,
        density=density if combination in _NEEDS_DENSITY else None,
    )
    server.deactivate()


def merge_cubes(
    server: AdapterServer,
    cubes: Sequence[MemCube],
    *,
    namespace: str,
    owner: str,
    combination: str = "cat",
    weights: Sequence[float] | None = None,
    density: float = 0.5,
) -> MemCube:
    """One parameter cube merged from parameter cubes; temporary adapters are unloaded afterwards."""
    names = [f"_merge_src_{cube.id}" for cube in cubes]
    merged = f"_merge_{'_'.join(cube.id[:8] for cube in cubes)}"
    try:
        for cube, name in zip(cubes, names, strict=True):
            cube_to_adapter(server, cube, name)
        merge_adapters(server, names, merged, combination, weights, density)
        provenance = Provenance(
            source=namespace, derived_from=tuple(c.id for c in cubes), operator=f"merge:{combination}"
        )
        meta = {"merge": {"combination": combination, "weights": weights, "density": density}}
        return adapter_to_cube(server, merged, namespace=namespace, owner=owner, provenance=provenance, meta=meta)
    finally:
        for name in [*names, merged]:
            if name in server:
                server.unload(name)

"""Synthetic cube sets for the store benchmarks (tests/bench, scripts/bench_store.py).

Two owners' memories mixed in one store, the way a multi-user deployment
looks: alice and bob each own a namespace, carol has been granted one of
alice's namespaces, dave nothing.
"""

from __future__ import annotations

from memos_lab.cube import MemCube, Provenance, plaintext_cube
from memos_lab.store.store import CubeStore

OWNERS = ("alice", "bob")
SENTENCE = "On day {i} {owner} mentioned that the meeting about project {p} moved to room {r}."


def synthetic_cube(i: int, owner: str, tag: str = "") -> MemCube:
    text = SENTENCE.format(i=i, owner=owner, p=i % 97, r=i % 13) + tag
    provenance = Provenance(source="bench", refs=(f"D{i // 20}:{i % 20}",), operator="ingest")
    return plaintext_cube(text, namespace=f"{owner}-ns", owner=owner, provenance=provenance, meta={"turn": i})


def fill(store: CubeStore, n: int, batch: int = 1000, tag: str = "") -> list[str]:
    """Put n cubes, alternating owners, in batches; the ids in order."""
    ids = []
    for start in range(0, n, batch):
        for owner in OWNERS:
            cubes = [
                synthetic_cube(i, owner, tag)
                for i in range(start, min(start + batch, n))
                if i % 2 == OWNERS.index(owner)
            ]
            ids += [h.id for h in store.put_many(cubes, owner)] if cubes else []
    return ids


def share(store: CubeStore) -> None:
    store.grant("alice", "carol", "read", namespace="alice-ns")

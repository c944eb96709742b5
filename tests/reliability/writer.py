"""A writer process for the reliability tests (run as a script, not collected).

    python writer.py crash STORE ACKS START     put + update forever, logging each commit to ACKS
    python writer.py count STORE NAME N         N new cubes + N increments of the shared counter

Each commit is acknowledged (one line, fsynced) only after the store returned.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from memos_lab.cube import MemCube, plaintext_cube
from memos_lab.store import CubeExistsError, CubeStore, VersionConflictError

ACTOR = NAMESPACE = "alice"
COUNTER = "counter"


def ensure_counter(store: CubeStore) -> None:
    try:
        store.put(plaintext_cube("0", namespace=NAMESPACE, owner=ACTOR, cube_id=COUNTER), ACTOR)
    except CubeExistsError:
        pass


def increment(store: CubeStore) -> int:
    """Read-modify-write the counter, retrying when another writer got there first."""
    while True:
        current = store.get(COUNTER, ACTOR, touch=False)
        try:
            return store.update(MemCube(current.header, str(int(current.text) + 1)), ACTOR).version
        except VersionConflictError:
            continue


def crash_loop(store: CubeStore, acks: Path, start: int) -> None:
    ensure_counter(store)
    print("ready", flush=True)
    with open(acks, "a") as log:
        for i in range(start, start + 1_000_000):
            store.put(plaintext_cube(f"write {i}", namespace=NAMESPACE, owner=ACTOR, cube_id=f"w{i}"), ACTOR)
            version = increment(store)
            log.write(f"w{i} {version}\n")
            log.flush()
            os.fsync(log.fileno())


def count(store: CubeStore, name: str, n: int) -> None:
    ensure_counter(store)
    for i in range(n):
        store.put(plaintext_cube(f"{name} {i}", namespace=NAMESPACE, owner=ACTOR, cube_id=f"{name}-{i}"), ACTOR)
        increment(store)


def main(argv: list[str]) -> None:
    mode, root = argv[0], argv[1]
    with CubeStore(root) as store:
        if mode == "crash":
            crash_loop(store, Path(argv[2]), int(argv[3]))
        else:
            count(store, argv[2], int(argv[3]))


if __name__ == "__main__":
    main(sys.argv[1:])

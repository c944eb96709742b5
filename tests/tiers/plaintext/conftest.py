import pytest

from evals.systems.base import turn_line
from memos_lab.cube import Provenance, plaintext_cube


def locomo_cube(sample_id, turn, namespace="conv26"):
    """A LoCoMo turn as the memos system stores it: its line, dia_id ref and meta."""
    return plaintext_cube(
        turn_line(turn),
        namespace=namespace,
        owner="tester",
        cube_id=f"{namespace}:{turn.dia_id}",
        provenance=Provenance(source=f"locomo:{sample_id}", refs=(turn.dia_id,)),
        meta={"speaker": turn.speaker, "date_time": turn.date_time, "session": turn.session},
    )


@pytest.fixture(scope="session")
def make_cube():
    return locomo_cube


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    """One embedding cache for the plaintext tests: each distinct text is encoded once."""
    return tmp_path_factory.mktemp("embeddings")

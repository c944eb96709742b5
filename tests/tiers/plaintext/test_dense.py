"""Dense index kinds on real MiniLM vectors of conversation 26."""

import faiss
import numpy as np
import pytest

from memos_lab.tiers.plaintext.config import RetrievalConfig
from memos_lab.tiers.plaintext.dense import VectorIndex


@pytest.fixture(scope="module")
def vectors(minilm, locomo):
    return minilm.encode([t.text for t in locomo["26"].turns])


@pytest.mark.parametrize(
    "config",
    [
        RetrievalConfig(dense_index="flat"),
        RetrievalConfig(dense_index="hnsw"),
        RetrievalConfig(dense_index="ivf", ivf_min_train=200, ivf_nlist=8, ivf_nprobe=8),
    ],
    ids=["flat", "hnsw", "ivf"],
)
def test_index_kinds_find_what_exact_search_finds(vectors, config):
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    index = VectorIndex(vectors.shape[1], config)
    for start in range(0, len(vectors), 100):  # incremental adds; IVF trains once it holds 200
        index.add(vectors[start : start + 100])
    assert len(index) == len(vectors)
    queries = vectors[::37]
    _, truth = exact.search(queries, 10)
    _, got = index.search(queries, 10)
    overlap = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, got, strict=True)])
    assert overlap >= (1.0 if config.dense_index.value == "flat" else 0.8)


def test_ivf_stays_exact_below_its_training_size(vectors):
    index = VectorIndex(vectors.shape[1], RetrievalConfig(dense_index="ivf", ivf_min_train=10_000))
    index.add(vectors)
    assert not index.trained_ivf and isinstance(index.index, faiss.IndexFlatIP)


def test_wrong_shape_is_refused(vectors):
    with pytest.raises(ValueError, match="expected"):
        VectorIndex(vectors.shape[1]).add(vectors[:, :10])


def test_gpu_without_faiss_gpu_is_a_clear_error(vectors):
    if hasattr(faiss, "StandardGpuResources") and faiss.get_num_gpus() > 0:
        pytest.skip("a GPU is present")
    with pytest.raises(RuntimeError, match=r"memory\.retrieval\.gpu"):
        VectorIndex(vectors.shape[1], RetrievalConfig(gpu=True))

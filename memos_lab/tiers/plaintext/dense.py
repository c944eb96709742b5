"""Dense retrieval: normalised sentence vectors in a faiss inner-product index.

The index type is a config choice: exact (flat), HNSW, or IVF. An IVF
namespace stays exact until it holds `ivf_min_train` vectors, then trains its
coarse quantiser on them once and moves them in; later adds go straight in.
With `gpu`, flat and IVF indexes live on the GPU (faiss-gpu, the `gpu` extra).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from memos_lab.tiers.plaintext.config import PREFIX, DenseKind, RetrievalConfig


def gpu_resources():
    """faiss GPU resources, or a clear error when faiss has no GPU support."""
    import faiss

    if not hasattr(faiss, "StandardGpuResources") or faiss.get_num_gpus() < 1:
        raise RuntimeError(
            f"{PREFIX}.gpu=true needs faiss with GPU support and a visible GPU "
            "(`pip install -e '.[gpu]'`); this faiss has none. Set it to false."
        )
    return faiss.StandardGpuResources()


class VectorIndex:
    """A faiss index of one kind over vectors of one dimension; rows are add order."""

    def __init__(self, dim: int, config: RetrievalConfig | None = None) -> None:
        import faiss

        config = config or RetrievalConfig()
        self.dim, self.config = dim, config
        self._gpu = gpu_resources() if config.gpu else None
        if config.gpu and config.dense_index is DenseKind.hnsw:
            raise ValueError(f"{PREFIX}.dense_index=hnsw has no GPU version in faiss; use flat or ivf with gpu")
        if config.dense_index is DenseKind.hnsw:
            self.index = faiss.IndexHNSWFlat(dim, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            self.index.hnsw.efSearch = config.hnsw_ef_search
        else:
            self.index = self._on_device(faiss.IndexFlatIP(dim))
        self.trained_ivf = False

    def _on_device(self, index):
        import faiss

        return index if self._gpu is None else faiss.index_cpu_to_gpu(self._gpu, 0, index)

    def add(self, vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ValueError(f"vectors of shape {vectors.shape}, expected (n, {self.dim})")
        self.index.add(vectors)
        if self.config.dense_index is DenseKind.ivf and not self.trained_ivf:
            if self.index.ntotal >= max(self.config.ivf_min_train, 1):
                self._train_ivf()

    def _train_ivf(self) -> None:
        import faiss

        flat = self.index if self._gpu is None else faiss.index_gpu_to_cpu(self.index)
        vectors = flat.reconstruct_n(0, flat.ntotal)
        nlist = self.config.ivf_nlist or max(1, int(4 * math.sqrt(len(vectors))))
        nlist = min(nlist, len(vectors))
        ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(self.dim), self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = vectors[np.random.default_rng(0).permutation(len(vectors))[: 64 * nlist]]
        ivf.train(sample)
        ivf.add(vectors)
        ivf.nprobe = self.config.ivf_nprobe
        self.index = self._on_device(ivf)
        self.trained_ivf = True

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        return self.index.search(np.ascontiguousarray(vectors, dtype=np.float32), k)

    def __len__(self) -> int:
        return int(self.index.ntotal)


class DenseIndex:
    """Ids and their vectors; texts are encoded by the embedder (or read from a cache)."""

    def __init__(self, embedder, config: RetrievalConfig | None = None, cache=None) -> None:
        config = config or RetrievalConfig()
        self.embedder = embedder
        self.cache = cache
        self.vectors = VectorIndex(embedder.dim, config)
        self.ids: list[str] = []

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        if self.cache is not None:
            return self.cache.encode(self.embedder, texts)
        return self.embedder.encode(texts)

    def add(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        if len(ids) != len(texts):
            raise ValueError(f"{len(ids)} ids for {len(texts)} texts")
        if not ids:
            return
        self.add_vectors(ids, self.encode_documents(texts))

    def add_vectors(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        self.vectors.add(vectors)
        self.ids.extend(ids)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        if not self.ids:
            return []
        return self.search_vector(self.embedder.encode([query]), k)

    def search_vector(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        if not self.ids:
            return []
        scores, rows = self.vectors.search(vector, min(k, len(self.ids)))
        ids = self.ids
        return [(ids[r], s) for r, s in zip(rows[0].tolist(), scores[0].tolist(), strict=True) if r >= 0]

    def __len__(self) -> int:
        return len(self.ids)

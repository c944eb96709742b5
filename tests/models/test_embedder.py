import numpy as np
import pytest

from memos_lab.models.base import ModelNotAvailableError
from memos_lab.models.embedder import Embedder


def test_minilm_gives_normalised_384_dim_vectors(minilm):
    vectors = minilm.encode(["I went to a support group.", "She joined a support group.", "The stock market fell."])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_empty_input_gives_an_empty_matrix(minilm):
    assert minilm.encode([]).shape == (0, 384)


def test_a_missing_embedder_is_a_clear_error(tmp_path):
    with pytest.raises(ModelNotAvailableError, match="cannot load embedder"):
        Embedder(str(tmp_path / "missing"))

import numpy as np
import pytest

from memos_lab.models.embedder import Embedder
from memos_lab.tiers.plaintext.persistence import FILE_NAME, EmbeddingCache, EmbeddingCacheError
from memos_lab.tiers.plaintext.retriever import Retriever


class CountingEmbedder(Embedder):
    """The real MiniLM embedder, counting the texts it encodes."""

    def __init__(self, name_suffix: str = "") -> None:
        super().__init__()
        self.encoded_texts = 0
        self._suffix = name_suffix

    @property
    def identity(self) -> str:
        return super().identity + self._suffix

    def encode(self, texts):
        self.encoded_texts += len(texts)
        return super().encode(texts)


@pytest.fixture(scope="module")
def turns(locomo):
    return locomo["26"].turns[:60]


def test_restart_reindexes_without_reencoding(tmp_path, turns, make_cube):
    cubes = [make_cube("26", t) for t in turns]
    first = CountingEmbedder()
    Retriever(first, cache_dir=tmp_path).add(cubes)
    assert first.encoded_texts == len(cubes)

    restarted = CountingEmbedder()  # a new process: a new embedder and retriever over the same cache_dir
    retriever = Retriever(restarted, cache_dir=tmp_path)
    retriever.add(cubes)
    assert restarted.encoded_texts == 0
    assert retriever.size("conv26") == len(cubes)
    hits = retriever.search("LGBTQ support group", "conv26", k=3, mode="dense")
    assert restarted.encoded_texts == 1  # only the query
    fresh = Retriever(CountingEmbedder())
    fresh.add(cubes)
    assert [h.cube_id for h in hits] == [h.cube_id for h in fresh.search("LGBTQ support group", "conv26", 3, "dense")]


def test_a_changed_embedder_reencodes_and_never_mixes(tmp_path, turns, make_cube):
    cubes = [make_cube("26", t) for t in turns[:10]]
    Retriever(CountingEmbedder(), cache_dir=tmp_path).add(cubes)
    changed = CountingEmbedder(name_suffix="|other-weights")
    Retriever(changed, cache_dir=tmp_path).add(cubes)
    assert changed.encoded_texts == len(cubes)
    cache = EmbeddingCache(tmp_path)
    assert cache.count(changed.identity) == len(cubes) and cache.count() == 2 * len(cubes)


def test_float16_cache_round_trips_close(tmp_path, minilm):
    cache = EmbeddingCache(tmp_path, "float16")
    texts = ["a walk in the park", "my violin lesson"]
    first = cache.encode(minilm, texts)
    again = EmbeddingCache(tmp_path, "float16").encode(minilm, texts)
    assert again.dtype == np.float32 and np.allclose(first, again, atol=1e-3)


def test_a_corrupt_cache_file_is_named(tmp_path):
    (tmp_path / FILE_NAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(EmbeddingCacheError, match=FILE_NAME):
        EmbeddingCache(tmp_path)

import bm25s
import pytest

from memos_lab.tiers.plaintext.lexical import LexicalIndex
from memos_lab.tiers.plaintext.stemming import Tokenizer


@pytest.fixture(scope="module")
def texts(locomo):
    return [turn.text for turn in locomo["26"].turns]


@pytest.mark.parametrize("stemmer", ["none", "snowball"])
def test_incremental_index_scores_like_bm25s(texts, stemmer):
    """Adds in three batches score exactly as bm25s's Lucene BM25 built once over all texts."""
    index = LexicalIndex(stemmer)
    for start in range(0, len(texts), 250):
        index.add([str(i) for i in range(start, min(start + 250, len(texts)))], texts[start : start + 250])
    tokenize = Tokenizer(stemmer)
    reference = bm25s.BM25(method="lucene")
    reference.index([tokenize(t) for t in texts], show_progress=False)
    for query in ["When did Caroline go to the LGBTQ support group?", "painting a sunset with the kids", "adoption"]:
        rows, scores = reference.retrieve([tokenize(query)], k=5, show_progress=False)
        ours = index.search(query, 5)
        assert [s for _, s in ours] == pytest.approx(scores[0].tolist(), rel=1e-5)
        assert {int(i) for i, _ in ours} == set(rows[0].tolist()) or len(set(scores[0].tolist())) < 5


def test_stemming_matches_word_forms():
    index = LexicalIndex("snowball")
    index.add(["a", "b"], ["I went running and painted a lot", "the weather was nice"])
    assert [i for i, _ in index.search("paint run", 2)] == ["a"]
    assert LexicalIndex("none").tokenize("painted") == ["painted"]


def test_a_search_after_an_add_sees_the_new_text():
    index = LexicalIndex()
    index.add(["a"], ["pottery class on Sunday"])
    assert index.search("violin", 3) == []
    index.add(["b"], ["I play the violin"])
    assert [i for i, _ in index.search("violin", 3)] == ["b"]

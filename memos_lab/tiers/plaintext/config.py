"""RetrievalConfig: every option of the plaintext retriever, typed and checked.

Plain typed fields (enumerations are `str` Enums) so the Hydra node
`memory.retrieval` can be a structured config of this dataclass. A wrong value
fails here, naming the field as `memory.retrieval.<field>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Optional

PREFIX = "memory.retrieval"


class Stemmer(str, Enum):
    none = "none"  # lower-cased words as they are
    porter = "porter"  # nltk's Porter stemmer
    snowball = "snowball"  # nltk's English Snowball (Porter2) stemmer


class Fields(str, Enum):
    """Which of a memory line's parts go into an index (besides its words).

    Member names equal their values (OmegaConf matches enum strings by name)."""

    none = "none"
    dense = "dense"
    lexical = "lexical"
    both = "both"


class Fusion(str, Enum):
    rrf = "rrf"  # weighted reciprocal rank fusion: sum of w / (rrf_k + rank)
    score = "score"  # weighted sum of min-max normalised scores


class DenseKind(str, Enum):
    flat = "flat"  # exact inner product
    hnsw = "hnsw"  # faiss IndexHNSWFlat (approximate, no training)
    ivf = "ivf"  # faiss IndexIVFFlat (approximate, trained once a namespace holds enough vectors)


class CacheDtype(str, Enum):
    float32 = "float32"
    float16 = "float16"


@dataclass
class RetrievalConfig:
    # depth of each ranked list (dense, lexical, sub-queries) before fusion; score fusion min-max normalises
    # each list over this depth (chosen on LoCoMo conversations 1-5: see the README)
    candidates: int = 400
    fusion: Fusion = Fusion.score  # how the ranked lists are combined in hybrid mode
    rrf_k: int = 60  # the k of reciprocal rank fusion (Cormack et al., 2009)
    dense_weight: float = 1.0  # weight of the dense list in fusion
    lexical_weight: float = 1.0  # weight of the lexical (BM25) list in fusion
    stemmer: Stemmer = Stemmer.snowball  # stemming of lexical tokens (documents and queries alike)
    date_in: Fields = Fields.both  # where a memory's session date is indexed (from meta or the line's [date])
    speaker_in: Fields = Fields.both  # where a memory's speaker is indexed (from meta or the line's "speaker:")
    context_turns: int = 2  # words of this many preceding turns (provenance order) are indexed with each memory
    context_in: Fields = Fields.lexical  # which index sees those preceding turns
    time_aware: bool = True  # when/date questions also rank memories by their dates and time words
    time_weight: float = 0.5  # weight of the time-aware list in fusion
    decompose: bool = True  # rule-based sub-queries (conjunctions, "both", per-entity) fused with the question
    decompose_weight: float = 1.0  # weight of each sub-query's lists in fusion
    neighbours: int = 0  # turns on each side of a hit added after it (0 = off); they count toward k
    neighbour_hits: int = 3  # only the first this-many hits are expanded
    neighbour_tokens: int = 256  # token budget of all added neighbours of one search
    rerank_model: Optional[str] = None  # noqa: UP045 (OmegaConf needs Optional) sentence-transformers CrossEncoder id; None = no reranking
    rerank_depth: int = 30  # how many fused candidates the cross-encoder rescores
    dense_index: DenseKind = DenseKind.flat  # faiss index type of each namespace
    hnsw_m: int = 32  # HNSW graph degree
    hnsw_ef_search: int = 128  # HNSW search breadth
    ivf_nlist: int = 0  # IVF lists; 0 = about 4 * sqrt(n) at training time
    ivf_nprobe: int = 16  # IVF lists visited per query
    ivf_min_train: int = 10_000  # below this many vectors an IVF namespace stays exact (flat)
    gpu: bool = False  # move dense indexes to the GPU (needs faiss-gpu, the `gpu` extra)
    cache_dtype: CacheDtype = CacheDtype.float32  # how embeddings are stored under cache_dir

    def __post_init__(self) -> None:
        for name, enum in (
            ("fusion", Fusion),
            ("stemmer", Stemmer),
            ("date_in", Fields),
            ("speaker_in", Fields),
            ("context_in", Fields),
            ("dense_index", DenseKind),
            ("cache_dtype", CacheDtype),
        ):
            setattr(self, name, _enum(name, enum, getattr(self, name)))
        for name in ("candidates", "rrf_k", "hnsw_m", "hnsw_ef_search", "ivf_nprobe", "rerank_depth"):
            _int(name, getattr(self, name), minimum=1)
        for name in ("context_turns", "neighbours", "neighbour_hits", "neighbour_tokens", "ivf_nlist", "ivf_min_train"):
            _int(name, getattr(self, name), minimum=0)
        for name in ("dense_weight", "lexical_weight", "time_weight", "decompose_weight"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise ValueError(f"{PREFIX}.{name} must be a number >= 0, got {value!r}")
        for name in ("time_aware", "decompose", "gpu"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{PREFIX}.{name} must be true or false, got {getattr(self, name)!r}")
        if self.dense_weight == 0 and self.lexical_weight == 0:
            raise ValueError(f"{PREFIX}.dense_weight and {PREFIX}.lexical_weight cannot both be 0")
        if self.rerank_model is not None and (not isinstance(self.rerank_model, str) or not self.rerank_model):
            raise ValueError(f"{PREFIX}.rerank_model must be a non-empty model id or None, got {self.rerank_model!r}")


def _enum(name: str, enum: type[Enum], value: object) -> Enum:
    try:
        return enum(value)
    except ValueError:
        known = ", ".join(member.value for member in enum)
        raise ValueError(f"{PREFIX}.{name} must be one of {known}; got {value!r}") from None


def _int(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{PREFIX}.{name} must be an int >= {minimum}, got {value!r}")

"""Per-namespace dense + lexical indexes with dense, lexical and hybrid search.

Each namespace has its own indexes, so one owner's memories can never rank in
another's results; `allowed` further restricts hits to the cubes an actor may
read. `RetrievalConfig` (config.py) chooses what is indexed and how a search
ranks: fusion, stemming, time awareness, sub-queries, reranking, neighbour
expansion and the dense index type; each lives in its own module. With a
`cache_dir`, document embeddings persist (persistence.py), so re-indexing
after a restart encodes nothing it has encoded before.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal, NamedTuple

from memos_lab.cube import MemCube
from memos_lab.tiers.plaintext.config import Fields, Fusion, RetrievalConfig
from memos_lab.tiers.plaintext.dates import parse_date, parse_query, time_score
from memos_lab.tiers.plaintext.decompose import sub_queries
from memos_lab.tiers.plaintext.dense import DenseIndex
from memos_lab.tiers.plaintext.fusion import Ranked, reciprocal_rank_fusion, score_fusion
from memos_lab.tiers.plaintext.lexical import LexicalIndex
from memos_lab.tiers.plaintext.lines import indexed_text, parts
from memos_lab.tiers.plaintext.neighbours import Sequence as TurnOrder
from memos_lab.tiers.plaintext.neighbours import expand, order_key
from memos_lab.tiers.plaintext.persistence import EmbeddingCache

Mode = Literal["dense", "lexical", "hybrid"]
MODES = ("dense", "lexical", "hybrid")


class Hit(NamedTuple):  # a tuple: ten of them are made per search, and a dataclass costs ~1 us each
    cube_id: str
    score: float
    neighbour_of: str | None = None  # set when neighbour expansion added this turn after that hit


@dataclass
class _Namespace:
    dense: DenseIndex
    lexical: LexicalIndex
    order: TurnOrder = field(default_factory=TurnOrder)
    words: dict[str, str] = field(default_factory=dict)  # kept when time, reranking or neighbours need them
    dates: dict[str, date] = field(default_factory=dict)
    tokens: dict[str, int] = field(default_factory=dict)
    context: dict[str, str] = field(default_factory=dict)  # "speaker: words", kept when context_turns > 0
    latest: date | None = None
    added: int = 0


class Retriever:
    def __init__(
        self,
        embedder,
        config: RetrievalConfig | Mapping | None = None,
        cache_dir: str | Path | None = None,
    ) -> None:
        if config is None:
            config = RetrievalConfig()
        elif isinstance(config, Mapping):
            config = RetrievalConfig(**config)
        self.embedder = embedder
        self.config = config
        self.cache = EmbeddingCache(cache_dir, config.cache_dtype) if cache_dir is not None else None
        self.reranker = None
        if config.rerank_model is not None:
            from memos_lab.tiers.plaintext.rerank import CrossEncoderReranker

            self.reranker = CrossEncoderReranker(config.rerank_model)
        self._spaces: dict[str, _Namespace] = {}

    # --- indexing -------------------------------------------------------------

    def add(self, cubes: Sequence[MemCube]) -> None:
        by_namespace: dict[str, list[MemCube]] = {}
        for cube in cubes:
            by_namespace.setdefault(cube.header.namespace, []).append(cube)
        for namespace, group in by_namespace.items():
            space = self._spaces.get(namespace)
            if space is None:
                space = self._spaces[namespace] = _Namespace(
                    DenseIndex(self.embedder, self.config, self.cache), LexicalIndex(self.config.stemmer)
                )
            self._add(space, group)

    def _add(self, space: _Namespace, cubes: list[MemCube]) -> None:
        cfg = self.config
        lines = [parts(c) for c in cubes]
        ids = [c.id for c in cubes]
        for cube in cubes:
            space.order.add(cube.id, order_key(cube, space.added))
            space.added += 1
        dense = [indexed_text(p, cfg.date_in, cfg.speaker_in, "dense") for p in lines]
        lexical = [indexed_text(p, cfg.date_in, cfg.speaker_in, "lexical") for p in lines]
        if cfg.context_turns and cfg.context_in is not Fields.none:
            for cube, line in zip(cubes, lines, strict=True):
                space.context[cube.id] = f"{line.speaker}: {line.words}" if line.speaker else line.words
            for i, cube in enumerate(cubes):
                before = " ".join(space.context[c] for c in space.order.before(cube.id, cfg.context_turns))
                if before and cfg.context_in in (Fields.dense, Fields.both):
                    dense[i] = f"{before}\n{dense[i]}"
                if before and cfg.context_in in (Fields.lexical, Fields.both):
                    lexical[i] = f"{before}\n{lexical[i]}"
        space.dense.add(ids, dense)
        space.lexical.add(ids, lexical)
        keep_words = cfg.time_aware or self.reranker is not None
        for cube, line in zip(cubes, lines, strict=True):
            if keep_words:
                space.words[cube.id] = cube.text if self.reranker is not None else line.words
            if cfg.neighbours:
                space.tokens[cube.id] = cube.header.size_tokens or max(1, round(len(cube.text.split()) * 4 / 3))
            if cfg.time_aware and (when := parse_date(line.date)) is not None:
                space.dates[cube.id] = when
                space.latest = when if space.latest is None else max(space.latest, when)

    def size(self, namespace: str) -> int:
        space = self._spaces.get(namespace)
        return len(space.dense) if space is not None else 0

    # --- search ---------------------------------------------------------------

    def search(
        self, query: str, namespace: str, k: int, mode: Mode = "hybrid", allowed: Collection[str] | None = None
    ) -> list[Hit]:
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}; choose one of {MODES}")
        space = self._spaces.get(namespace)
        if space is None or k < 1:
            return []
        cfg = self.config
        plain = mode != "hybrid" and allowed is None and not (cfg.decompose or cfg.time_aware or cfg.neighbours)
        depth = k if plain and self.reranker is None else max(k, cfg.candidates)  # fusion and filters need depth
        ranked = self._ranked(space, query, depth, mode)
        if self.reranker is not None:
            ranked = self._rerank(space, query, ranked)
        if allowed is None and not cfg.neighbours:  # nothing to filter or add: the first k as ranked
            return [Hit(cube_id, score) for cube_id, score in ranked[:k]]
        ok = (lambda _: True) if allowed is None else allowed.__contains__
        scores = dict(ranked)
        chosen = expand(
            (cube_id for cube_id, _ in ranked if ok(cube_id)),
            k,
            space.order,
            cfg.neighbours,
            cfg.neighbour_hits,
            cfg.neighbour_tokens,
            lambda cube_id: space.tokens.get(cube_id, 1),
            ok,
        )
        return [Hit(cube_id, scores.get(cube_id, 0.0), near) for cube_id, near in chosen]

    def _ranked(self, space: _Namespace, query: str, depth: int, mode: Mode) -> list[tuple[str, float]]:
        cfg = self.config
        queries = [query, *(sub_queries(query) if cfg.decompose else [])]
        lists: list[Ranked] = []
        weights: list[float] = []
        if mode in ("dense", "hybrid") and len(space.dense):
            vectors = self.embedder.encode(queries)
            for i in range(len(queries)):
                lists.append(space.dense.search_vector(vectors[i : i + 1], depth))
                weights.append(cfg.dense_weight * (1.0 if i == 0 else cfg.decompose_weight))
        if mode in ("lexical", "hybrid"):
            for i, q in enumerate(queries):
                lists.append(space.lexical.search(q, depth))
                weights.append(cfg.lexical_weight * (1.0 if i == 0 else cfg.decompose_weight))
        if mode != "hybrid" and len(lists) == 1:
            fused = list(lists[0])
        else:
            fused = self._fuse(lists, weights)
        if cfg.time_aware and cfg.time_weight > 0:
            timed = self._time_list(space, query, fused)
            if timed:
                fused = self._fuse([*lists, timed], [*weights, cfg.time_weight])
        return fused

    def _fuse(self, lists: list[Ranked], weights: list[float]) -> list[tuple[str, float]]:
        if self.config.fusion is Fusion.score:
            return score_fusion(lists, weights)
        return reciprocal_rank_fusion([[i for i, _ in r] for r in lists], k=self.config.rrf_k, weights=weights)

    def _time_list(self, space: _Namespace, query: str, fused: list[tuple[str, float]]) -> Ranked:
        """The fused candidates that fit the question's time, best fit first (empty if it names none)."""
        wanted = parse_query(query, space.latest)
        if not wanted.temporal:
            return []
        scored = [
            (cube_id, time_score(wanted, space.dates.get(cube_id), space.words.get(cube_id, "")))
            for cube_id, _ in fused
        ]
        ranked = sorted(((i, s) for i, s in scored if s > 0), key=lambda pair: -pair[1])  # stable: fused order
        return ranked

    def _rerank(self, space: _Namespace, query: str, ranked: list[tuple[str, float]]) -> list[tuple[str, float]]:
        depth = self.config.rerank_depth
        head = ranked[:depth]
        scores = self.reranker.scores(query, [space.words[i] for i, _ in head])
        order = sorted(zip((i for i, _ in head), scores, strict=True), key=lambda pair: -pair[1])
        return order + ranked[depth:]

"""Benchmark the plaintext retriever against raw faiss and raw encoding.

    python scripts/bench_retrieval.py --out results/bench_retrieval.json

Index part (synthetic, seeded): n memories of a few words drawn from a Zipf
vocabulary, each with a random unit vector of MiniLM's dimension (384). An
embedder class hands the retriever those vectors (a dict lookup, no model),
so what is timed is the retriever. For each size and dense index kind, the
retriever and a raw faiss index of the same kind are built on the same
vectors and both kept; then, query by query, in alternating order:
  search_p50/p95_ms     Retriever.search(text, mode="dense", k=10): text -> vector
                        (the lookup), the namespace's faiss index, ids -> Hits;
  raw_p50/p95_ms        index.search(vector, k=10) on the raw faiss index;
  ratio_p50/p95         ours / raw: like with like, the dense path alone.
Then, on their own (not like with like; raw faiss has no lexical part):
  hybrid_p50/p95_ms     Retriever.search(mode="hybrid"): dense + BM25 lists at the
                        configured depth (`candidates`) and score fusion;
  add_s, raw_add_s      building the index: Retriever.add of the cubes in 10k
                        batches (both indexes; making the cubes is not timed) /
                        index.add of the vectors (plus training, for IVF);
  bytes_per_memory      resident-memory growth while adding / n (ours: both indexes,
                        ids, turn order; raw: the faiss index alone), and the ratio;
  raw_index_bytes_per_memory  the raw index's serialized size / n (exact, no noise).
IVF uses min(4 * sqrt(n), 1024) lists, trained once on the first batches holding
32 vectors per list (ours and raw on the same vectors); HNSW is built only up to
--hnsw-max memories (single-threaded builds take minutes at 100k and hours at 1M).

Ingest part (real MiniLM, real LoCoMo lines), --repeats times in alternating
order: embedder.encode of the dense texts, and Retriever.add of the cubes
(default options, no cache_dir); the throughput ratio is encode_s / add_s
(medians). Then with a cache_dir: a first add, and a restart (a new retriever
over the same cache_dir) that must encode nothing (`restart_encoded` counts).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evals.environment import dirty_marks  # noqa: E402
from evals.run_dir import environment, write_json  # noqa: E402
from memos_lab.cube import Provenance, plaintext_cube  # noqa: E402
from memos_lab.tiers.plaintext.config import RetrievalConfig  # noqa: E402
from memos_lab.tiers.plaintext.retriever import Retriever  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DIM = 384
BATCH = 10_000
NAMESPACE = "bench"
IVF_NLIST_MAX = 1024  # k-means over 4 * sqrt(1M) = 4000 lists takes too long on 2 cores
K = 10


class TableEmbedder:
    """Vectors from a table: text "m<row> ..." -> row of `vectors`; a known query text -> its vector."""

    name = "synthetic-table"

    def __init__(self, vectors: np.ndarray, queries: dict[str, np.ndarray]) -> None:
        self.vectors, self.queries, self.dim = vectors, queries, vectors.shape[1]
        self.identity = f"synthetic|dim={self.dim}|n={len(vectors)}"

    def encode(self, texts):
        if len(texts) == 1 and texts[0] in self.queries:
            return self.queries[texts[0]]  # (1, dim), made once: a query costs a dict lookup
        rows = [int(t[1 : t.index(" ")]) for t in texts]
        return self.vectors[rows] if rows else np.zeros((0, self.dim), dtype=np.float32)


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        block = rng.standard_normal((min(100_000, n - start), DIM), dtype=np.float32)
        out[start : start + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def words(rng: np.random.Generator, n: int, per: int = 8, vocab: int = 20_000) -> list[str]:
    ids = np.minimum(rng.zipf(1.3, size=(n, per)), vocab)
    return [" ".join(f"w{w}" for w in row) for row in ids]


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def index_config(kind: str, n: int) -> RetrievalConfig:
    """The retriever's options for one size: IVF lists by size, trained on whole batches."""
    nlist = min(max(1, int(4 * np.sqrt(n))), IVF_NLIST_MAX)
    train = min(n, -(-32 * nlist // BATCH) * BATCH)  # 32 per list, rounded up to whole batches
    return RetrievalConfig(dense_index=kind, ivf_nlist=nlist, ivf_min_train=train, time_aware=False, decompose=False)


def raw_index(kind: str, vectors: np.ndarray, config: RetrievalConfig):
    """The faiss index the retriever builds, by hand: same type, parameters and training vectors."""
    import faiss

    if kind == "flat":
        index = faiss.IndexFlatIP(DIM)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(DIM, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = config.hnsw_ef_search
    else:
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(DIM), DIM, config.ivf_nlist, faiss.METRIC_INNER_PRODUCT)
        train = vectors[: config.ivf_min_train]
        index.train(train[np.random.default_rng(0).permutation(len(train))[: 64 * config.ivf_nlist]])
        index.nprobe = config.ivf_nprobe
    for start in range(0, len(vectors), BATCH):
        index.add(vectors[start : start + BATCH])
    return index


def measured(build) -> tuple[Any, float, int]:
    """(what build() returns, seconds, resident-memory growth in bytes)."""
    gc.collect()
    before = rss_bytes()
    start = time.perf_counter()
    built = build()
    seconds = time.perf_counter() - start
    gc.collect()
    return built, seconds, rss_bytes() - before


def build_ours(embedder: TableEmbedder, texts: list[str], config: RetrievalConfig) -> tuple[Retriever, float]:
    """The retriever over all memories, and the seconds spent in Retriever.add (cubes are made untimed)."""
    retriever = Retriever(embedder, config)
    seconds = 0.0
    for lo in range(0, len(texts), BATCH):
        cubes = [
            plaintext_cube(
                f"m{i} {texts[i]}",
                namespace=NAMESPACE,
                owner="bench",
                cube_id=f"c{i}",
                provenance=Provenance(source="bench", refs=(f"D1:{i}",)),
                now=0.0,
            )
            for i in range(lo, min(len(texts), lo + BATCH))
        ]
        start = time.perf_counter()
        retriever.add(cubes)
        seconds += time.perf_counter() - start
    return retriever, seconds


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def paired_search_times(retriever: Retriever, raw, queries: dict[str, np.ndarray]) -> tuple[list, list]:
    """Per query, ours (dense, from text) and raw faiss (from the vector), alternating which goes first."""
    ours, theirs = [], []
    for i, (text, vector) in enumerate(queries.items()):
        pair = (lambda t=text: retriever.search(t, NAMESPACE, K, "dense"), lambda v=vector: raw.search(v, K))
        first, second = timed(pair[i % 2]), timed(pair[1 - i % 2])
        ours.append(first if i % 2 == 0 else second)
        theirs.append(second if i % 2 == 0 else first)
    return ours, theirs


def bench_index(n: int, kind: str, queries: int, seed: int, quiet: bool = False) -> dict[str, Any]:
    import faiss

    rng = np.random.default_rng(seed)
    vectors, qvecs = unit(rng, n), unit(rng, queries)
    texts, qtexts = words(rng, n), words(rng, queries, per=4)
    query_table = {f"q{i} {qtexts[i]}": qvecs[i : i + 1] for i in range(queries)}
    config = index_config(kind, n)
    raw, raw_add_s, raw_bytes = measured(lambda: raw_index(kind, vectors, config))
    raw_index_bytes = len(faiss.serialize_index(raw))
    (retriever, add_s), _, ours_bytes = measured(lambda: build_ours(TableEmbedder(vectors, query_table), texts, config))
    paired_search_times(retriever, raw, dict(list(query_table.items())[: min(queries, 5)]))  # warm-up
    ours_times, raw_times = paired_search_times(retriever, raw, query_table)
    hybrid_times = [timed(lambda t=text: retriever.search(t, NAMESPACE, K, "hybrid")) for text in query_table]
    (our50, our95), (raw50, raw95), (hyb50, hyb95) = map(percentiles, (ours_times, raw_times, hybrid_times))
    row = {
        "n": n,
        "index": kind,
        "queries": queries,
        "ivf_nlist": config.ivf_nlist if kind == "ivf" else None,
        "search_p50_ms": our50 * 1e3,
        "search_p95_ms": our95 * 1e3,
        "raw_p50_ms": raw50 * 1e3,
        "raw_p95_ms": raw95 * 1e3,
        "ratio_p50": our50 / raw50,
        "ratio_p95": our95 / raw95,
        "hybrid_p50_ms": hyb50 * 1e3,
        "hybrid_p95_ms": hyb95 * 1e3,
        "hybrid_candidates": config.candidates,
        "add_s": add_s,
        "raw_add_s": raw_add_s,
        "bytes_per_memory": ours_bytes / n,
        "raw_bytes_per_memory": raw_bytes / n,
        "bytes_ratio": ours_bytes / raw_bytes if raw_bytes > 0 else None,
        "raw_index_bytes_per_memory": raw_index_bytes / n,
    }
    if not quiet:
        print({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}, flush=True)
    return row  # the indexes go with this frame


class CountingEmbedder:
    """Wraps an embedder, counting the texts it is asked to encode."""

    def __init__(self, embedder) -> None:
        self.inner, self.dim, self.name = embedder, embedder.dim, embedder.name
        self.identity = embedder.identity
        self.encoded = 0

    def encode(self, texts):
        self.encoded += len(texts)
        return self.inner.encode(texts)


def locomo_cubes(count: int) -> list:
    from evals.locomo.loader import load_locomo
    from evals.systems.base import turn_line

    turns = [(c.sample_id, t) for c in load_locomo() for t in c.turns][:count]
    return [
        plaintext_cube(
            turn_line(t),
            namespace=f"locomo-{sid}",
            owner="bench",
            cube_id=f"{sid}:{t.dia_id}",
            provenance=Provenance(source=f"locomo:{sid}", refs=(t.dia_id,)),
            meta={"speaker": t.speaker, "date_time": t.date_time, "session": t.session},
        )
        for sid, t in turns
    ]


def bench_ingest(count: int, repeats: int) -> dict[str, Any]:
    from memos_lab.models.embedder import Embedder
    from memos_lab.tiers.plaintext.lines import indexed_text, parts

    cubes = locomo_cubes(count)
    embedder = Embedder()
    config = RetrievalConfig()
    dense_texts = [indexed_text(parts(c), config.date_in, config.speaker_in, "dense") for c in cubes]
    embedder.encode(dense_texts[:64])  # warm-up
    Retriever(embedder, config).add(cubes[:64])
    encode, add = [], []
    for i in range(repeats):
        pair = (lambda: embedder.encode(dense_texts), lambda: Retriever(embedder, config).add(cubes))
        first, second = timed(pair[i % 2]), timed(pair[1 - i % 2])
        encode.append(first if i % 2 == 0 else second)
        add.append(second if i % 2 == 0 else first)
    counting = CountingEmbedder(embedder)
    with tempfile.TemporaryDirectory() as cache_dir:
        cold_s = timed(lambda: Retriever(counting, config, cache_dir=cache_dir).add(cubes))
        cold_encoded, counting.encoded = counting.encoded, 0
        restart_s = timed(lambda: Retriever(counting, config, cache_dir=cache_dir).add(cubes))
    encode_s, add_s = statistics.median(encode), statistics.median(add)
    row = {
        "memories": len(cubes),
        "repeats": repeats,
        "encode_s": encode_s,
        "add_s": add_s,
        "encode_s_all": encode,
        "add_s_all": add,
        "throughput_per_s": len(cubes) / add_s,
        "raw_encode_per_s": len(cubes) / encode_s,
        "throughput_ratio": encode_s / add_s,
        "cache_dir_first_add_s": cold_s,
        "cache_dir_first_encoded": cold_encoded,
        "restart_add_s": restart_s,
        "restart_encoded": counting.encoded,
        "restart_ratio": restart_s / encode_s,
    }
    print({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}, flush=True)
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="results/bench_retrieval.json")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--kinds", nargs="+", default=["flat", "hnsw", "ivf"], choices=["flat", "hnsw", "ivf"])
    parser.add_argument("--queries", type=int, default=200, help="queries at 10k; fewer at larger sizes (>= 20)")
    parser.add_argument("--hnsw-max", type=int, default=10_000, help="largest size HNSW is built at")
    parser.add_argument("--ingest", type=int, default=600, help="LoCoMo lines for the ingest part (0: skip)")
    parser.add_argument("--repeats", type=int, default=3, help="encode/add pairs in the ingest part")
    parser.add_argument("--threads", type=int, default=1, help="torch and faiss threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--allow-dirty", action="store_true", help="write into results/ from a dirty tree (the file is marked dirty)"
    )
    args = parser.parse_args(argv)

    import faiss
    import torch

    torch.set_num_threads(args.threads)
    faiss.omp_set_num_threads(args.threads)
    made = environment(REPO, " ".join(["python", "scripts/bench_retrieval.py", *(argv or sys.argv[1:])]))
    made.update(dirty_marks(made, args.out, REPO, args.allow_dirty))
    made["threads"] = args.threads
    bench_index(2000, "flat", 5, args.seed + 1, quiet=True)  # warm-up: imports, the stemmer, the allocator
    rows = []
    for n in args.sizes:
        queries = max(20, args.queries * 10_000 // n) if n > 10_000 else args.queries
        for kind in args.kinds:
            if kind == "hnsw" and n > args.hnsw_max:
                rows.append({"n": n, "index": kind, "skipped": f"HNSW build above {args.hnsw_max} is too slow here"})
                continue
            rows.append(bench_index(n, kind, queries, args.seed))
            gc.collect()
    ingest = bench_ingest(args.ingest, args.repeats) if args.ingest else None
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_json(out, {"made": made, "index": rows, "ingest": ingest})
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

"""Benchmark the plaintext retriever against raw faiss and raw encoding.

    python scripts/bench_retrieval.py --out results/bench_retrieval.json

Index part (synthetic, seeded): n memories of a few words drawn from a Zipf
vocabulary, each with a random unit vector of MiniLM's dimension (384). An
embedder class hands the retriever those vectors (a table lookup, no model),
so what is timed is the retriever: cubes -> dense + lexical indexes, and a
search. For each size and dense index kind:
  search_p50/p95_ms     Retriever.search(mode="dense", k=10), one query at a time;
  raw_p50/p95_ms        the same faiss index type built by hand on the same vectors;
  ratio_p50/p95         ours / raw;
  hybrid_p50/p95_ms     Retriever.search(mode="hybrid") (dense + BM25 + fusion);
  add_s, raw_add_s      building the index (ours: cubes -> both indexes, in 10k batches);
  bytes_per_memory      resident-memory growth while adding / n (ours: both indexes, ids,
                        order; raw: the faiss index alone), and the ratio.
Ingest part (real MiniLM, real LoCoMo lines): Retriever.add of N cubes against
embedder.encode of their texts (the ratio is the retriever's overhead on top
of encoding), and a restart re-indexing the same cubes from a cache_dir.

Sizes default to 10k, 100k, 1M; HNSW is skipped above --hnsw-max (its build
on 2 cores takes minutes at 100k and far longer at 1M), IVF uses
min(4 * sqrt(n), 1024) lists trained on 32 vectors per list (ours and raw alike),
and --queries shrinks with size.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evals.run_dir import environment, write_json  # noqa: E402
from memos_lab.cube import Provenance, plaintext_cube  # noqa: E402
from memos_lab.tiers.plaintext.config import RetrievalConfig  # noqa: E402
from memos_lab.tiers.plaintext.retriever import Retriever  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
OWN_PATHS = ("memos_lab/tiers/plaintext", "memos_lab/models/embedder.py", "scripts/bench_retrieval.py")
DIM = 384
BATCH = 10_000
NAMESPACE = "bench"
IVF_NLIST_MAX = 1024  # k-means over 4 * sqrt(1M) = 4000 lists takes too long on 2 cores


class TableEmbedder:
    """Vectors from a table: text "m<row> ..." -> row of `vectors`; queries "q<row> ..." -> row of `queries`."""

    name = "synthetic-table"

    def __init__(self, vectors: np.ndarray, queries: np.ndarray) -> None:
        self.vectors, self.queries, self.dim = vectors, queries, vectors.shape[1]
        self.identity = f"synthetic|dim={self.dim}|n={len(vectors)}"

    def encode(self, texts):
        rows = [(self.queries if t[0] == "q" else self.vectors)[int(t[1 : t.index(" ")])] for t in texts]
        return np.stack(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)


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


def raw_index(kind: str, vectors: np.ndarray, config: RetrievalConfig):
    import faiss

    if kind == "flat":
        index = faiss.IndexFlatIP(DIM)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(DIM, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = config.hnsw_ef_search
    else:
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(DIM), DIM, config.ivf_nlist, faiss.METRIC_INNER_PRODUCT)
        train = vectors[: config.ivf_min_train]
        index.train(train[np.random.default_rng(0).permutation(len(train))[: config.ivf_min_train]])
        index.nprobe = config.ivf_nprobe
    for start in range(0, len(vectors), BATCH):
        index.add(vectors[start : start + BATCH])
    return index


def bench_index(n: int, kind: str, queries: int, seed: int, quiet: bool = False) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    vectors, qvecs = unit(rng, n), unit(rng, queries)
    texts, qtexts = words(rng, n), words(rng, queries, per=4)
    nlist = min(max(1, int(4 * np.sqrt(n))), IVF_NLIST_MAX)
    config = RetrievalConfig(
        dense_index=kind, ivf_nlist=nlist, ivf_min_train=min(n, 32 * nlist), time_aware=False, decompose=False
    )
    gc.collect()
    before = rss_bytes()
    start = time.perf_counter()
    raw = raw_index(kind, vectors, config)
    raw_add_s = time.perf_counter() - start
    gc.collect()
    raw_bytes = rss_bytes() - before
    raw_times = []
    for i in range(queries):
        t = time.perf_counter()
        raw.search(qvecs[i : i + 1], 10)
        raw_times.append(time.perf_counter() - t)
    del raw
    gc.collect()

    embedder = TableEmbedder(vectors, qvecs)
    retriever = Retriever(embedder, config)
    gc.collect()
    before = rss_bytes()
    start = time.perf_counter()
    for lo in range(0, n, BATCH):
        cubes = [
            plaintext_cube(f"m{i} {texts[i]}", namespace=NAMESPACE, owner="bench", cube_id=f"c{i}",
                           provenance=Provenance(source="bench", refs=(f"D1:{i}",)), now=0.0)
            for i in range(lo, min(n, lo + BATCH))
        ]
        retriever.add(cubes)
    add_s = time.perf_counter() - start
    del cubes
    gc.collect()
    ours_bytes = rss_bytes() - before
    dense_times, hybrid_times = [], []
    for i in range(queries):
        query = f"q{i} {qtexts[i]}"
        t = time.perf_counter()
        retriever.search(query, NAMESPACE, k=10, mode="dense")
        dense_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        retriever.search(query, NAMESPACE, k=10, mode="hybrid")
        hybrid_times.append(time.perf_counter() - t)
    raw50, raw95 = percentiles(raw_times)
    our50, our95 = percentiles(dense_times)
    hyb50, hyb95 = percentiles(hybrid_times)
    row = {
        "n": n, "index": kind, "queries": queries,
        "ivf_nlist": nlist if kind == "ivf" else None,
        "search_p50_ms": our50 * 1e3, "search_p95_ms": our95 * 1e3,
        "raw_p50_ms": raw50 * 1e3, "raw_p95_ms": raw95 * 1e3,
        "ratio_p50": our50 / raw50, "ratio_p95": our95 / raw95,
        "hybrid_p50_ms": hyb50 * 1e3, "hybrid_p95_ms": hyb95 * 1e3,
        "add_s": add_s, "raw_add_s": raw_add_s,
        "bytes_per_memory": ours_bytes / n, "raw_bytes_per_memory": raw_bytes / n,
        "bytes_ratio": ours_bytes / raw_bytes if raw_bytes > 0 else None,
    }
    if not quiet:
        print({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}, flush=True)
    del retriever, embedder, vectors
    gc.collect()
    return row


def bench_ingest(count: int) -> dict[str, Any]:
    from evals.locomo.loader import load_locomo
    from evals.systems.base import turn_line
    from memos_lab.models.embedder import Embedder

    turns = [(c.sample_id, t) for c in load_locomo() for t in c.turns][:count]
    cubes = [
        plaintext_cube(turn_line(t), namespace=f"locomo-{sid}", owner="bench", cube_id=f"{sid}:{t.dia_id}",
                       provenance=Provenance(source=f"locomo:{sid}", refs=(t.dia_id,)),
                       meta={"speaker": t.speaker, "date_time": t.date_time, "session": t.session})
        for sid, t in turns
    ]
    embedder = Embedder()
    config = RetrievalConfig()
    from memos_lab.tiers.plaintext.lines import indexed_text, parts

    dense_texts = [indexed_text(parts(c), config.date_in, config.speaker_in, "dense") for c in cubes]
    embedder.encode(dense_texts[:64])  # warm-up
    start = time.perf_counter()
    embedder.encode(dense_texts)
    encode_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as cache_dir:
        start = time.perf_counter()
        Retriever(embedder, config, cache_dir=cache_dir).add(cubes)
        add_s = time.perf_counter() - start
        start = time.perf_counter()
        Retriever(embedder, config, cache_dir=cache_dir).add(cubes)
        restart_s = time.perf_counter() - start
    start = time.perf_counter()
    Retriever(embedder, config).add(cubes)
    add_nocache_s = time.perf_counter() - start
    row = {
        "memories": len(cubes), "encode_s": encode_s,
        "add_s_no_cache": add_nocache_s, "add_s_with_cache_dir": add_s, "restart_add_s": restart_s,
        "throughput_per_s": len(cubes) / add_nocache_s, "raw_encode_per_s": len(cubes) / encode_s,
        "ratio_no_cache": add_nocache_s / encode_s, "ratio_with_cache_dir": add_s / encode_s,
        "restart_ratio": restart_s / encode_s,
    }
    print({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}, flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="results/bench_retrieval.json")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--kinds", nargs="+", default=["flat", "hnsw", "ivf"])
    parser.add_argument("--queries", type=int, default=200, help="queries at 10k; fewer at larger sizes")
    parser.add_argument("--hnsw-max", type=int, default=10_000, help="largest size HNSW is built at")
    parser.add_argument("--ingest", type=int, default=2000, help="LoCoMo lines for the ingest part (0: skip)")
    parser.add_argument("--threads", type=int, default=1, help="torch and faiss threads")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import faiss
    import torch

    torch.set_num_threads(args.threads)
    faiss.omp_set_num_threads(args.threads)
    made = environment(REPO, " ".join(["python", *sys.argv]))
    made["own_dirty"] = bool(subprocess.run(["git", "status", "--porcelain", "--", *OWN_PATHS], cwd=REPO,
                                            capture_output=True, text=True).stdout.strip())
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
    ingest = bench_ingest(args.ingest) if args.ingest else None
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_json(out, {"made": made, "index": rows, "ingest": ingest})
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

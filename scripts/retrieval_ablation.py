"""Retrieval-only LoCoMo ablation of the plaintext retriever's options.

    python scripts/retrieval_ablation.py --out results/retrieval_ablation

Every turn of the 10 conversations becomes a plaintext cube (its line
`[date] speaker: text`, provenance ref = its dia_id, meta speaker/date_time/
session, as the memos evaluation system ingests it), one namespace per
conversation. Each category 1-4 question (1,540) is searched with k=10 in
hybrid mode under each configuration: the old retriever ("baseline"), each
option alone on top of the baseline, combinations, the list depth
(`candidates`) on top of the combination, and the default with each option
taken out again (what each option adds to the best configuration).

Options were chosen by their recall on conversations 1-5 of the file ("dev");
conversations 6-10 ("held-out") are reported beside them, so a choice that only
fits the questions it was chosen on shows as a gap between the two columns.

How recall is counted: a search returns at most k *turns* in all: with
neighbour expansion, added neighbours count toward k (a k=10 search returns
10 turns, not 10 hits plus neighbours), so every configuration sees the same
number of turns. recall@k = fraction of the question's evidence dia_ids among
the provenance refs of the first k returned turns (recall@5 is the first 5 of
the same search: expansion is greedy in rank order, so the first 5 of a k=10
search are what a k=5 search returns). A search that returns nothing scores 0.
The 4 questions with no evidence ids have no recall and are left out of the
means (n says how many count).

Document embeddings are stored in a temporary `cache_dir` and shared by all
configurations, and query embeddings are memoised; neither changes a result.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evals.environment import dirty_marks  # noqa: E402
from evals.locomo.loader import CATEGORY_NAMES, Conversation, load_locomo  # noqa: E402
from evals.locomo.scoring import normalize_evidence  # noqa: E402
from evals.run_dir import environment, write_json  # noqa: E402
from evals.systems.base import turn_line  # noqa: E402
from memos_lab.cube import Provenance, plaintext_cube  # noqa: E402
from memos_lab.models.embedder import Embedder  # noqa: E402
from memos_lab.tiers.plaintext.config import Fields, Fusion, RetrievalConfig, Stemmer  # noqa: E402
from memos_lab.tiers.plaintext.retriever import Retriever  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CATEGORIES = (1, 2, 3, 4)
KS = (5, 10)
DEV_CONVERSATIONS = 5  # the first five conversations of the file choose options; the rest are held out

# The retriever before this work: unstemmed BM25, the whole line in both indexes, plain RRF.
# Every option is pinned, so a change of RetrievalConfig's defaults leaves these rows as they are.
BASELINE = dict(
    stemmer=Stemmer.none,
    date_in=Fields.both,
    speaker_in=Fields.both,
    time_aware=False,
    decompose=False,
    neighbours=0,
    fusion=Fusion.rrf,
    rrf_k=60,
    dense_weight=1.0,
    lexical_weight=1.0,
    candidates=50,
    context_turns=0,
    context_in=Fields.dense,
    time_weight=0.5,
    decompose_weight=0.5,
    rerank_model=None,
)
# Each option alone, as changes to the baseline.
SINGLE = {
    "stem=snowball": dict(stemmer=Stemmer.snowball),
    "stem=porter": dict(stemmer=Stemmer.porter),
    "date_in=lexical": dict(date_in=Fields.lexical),
    "date_in=none": dict(date_in=Fields.none),
    "speaker_in=lexical": dict(speaker_in=Fields.lexical),
    "speaker_in=dense": dict(speaker_in=Fields.dense),
    "time_aware": dict(time_aware=True),
    "decompose": dict(decompose=True),
    "neighbours=1 (top 3 hits)": dict(neighbours=1, neighbour_hits=3),
    "neighbours=1 (top 1 hit)": dict(neighbours=1, neighbour_hits=1),
    "rrf_k=20": dict(rrf_k=20),
    "rrf_k=120": dict(rrf_k=120),
    "lexical_weight=0.7": dict(lexical_weight=0.7),
    "lexical_weight=1.4": dict(lexical_weight=1.4),
    "fusion=score": dict(fusion=Fusion.score),
    "candidates=100": dict(candidates=100),
    "context=1 dense": dict(context_turns=1, context_in=Fields.dense),
    "context=1 lexical": dict(context_turns=1, context_in=Fields.lexical),
}
REFERENCE_MODES = {"dense only": "dense", "lexical only": "lexical"}


def combinations() -> dict[str, dict[str, Any]]:
    """The combinations tried, built up from the options that helped alone."""
    best = dict(stemmer=Stemmer.snowball, time_aware=True, decompose=True)
    score = {**best, "fusion": Fusion.score}
    context = {**score, "context_turns": 1, "context_in": Fields.lexical}
    return {
        "stem+time+decompose": best,
        "stem+time+decompose+rrf_k=20": {**best, "rrf_k": 20},
        "stem+time+decompose+score": score,
        "stem+time+decompose+score+context=1 dense": {**score, "context_turns": 1},
        "stem+time+decompose+score+context=1 both": {**score, "context_turns": 1, "context_in": Fields.both},
        "stem+time+decompose+score+context=1 lexical": context,
        "stem+time+decompose+score+context=2 lexical": {**context, "context_turns": 2},
        "…+context=2 lexical, decompose_weight=1 (candidates=50)": {
            **context,
            "context_turns": 2,
            "decompose_weight": 1.0,
        },
        "…+context=1 lexical, time_weight=1": {**context, "time_weight": 1.0},
        "…+context=1 lexical, decompose_weight=1": {**context, "decompose_weight": 1.0},
        "…+context=1 lexical, neighbours=1 (top 1)": {**context, "neighbours": 1, "neighbour_hits": 1},
        **{
            f"…, candidates={depth}": {**context, "context_turns": 2, "decompose_weight": 1.0, "candidates": depth}
            for depth in (100, 200, 300, 400, 1000)
        },
        "default (RetrievalConfig())": default_config(),
        **{f"default without {name}": {**default_config(), **change} for name, change in LEAVE_ONE_OUT.items()},
    }


# Each option of the default set back to its baseline value, one at a time.
LEAVE_ONE_OUT = {
    "stemming": dict(stemmer=Stemmer.none),
    "time-aware": dict(time_aware=False),
    "decomposition": dict(decompose=False),
    "score fusion (rrf)": dict(fusion=Fusion.rrf),
    "context turns": dict(context_turns=0),
    "deep lists (candidates=50)": dict(candidates=50),
}


def default_config() -> dict[str, Any]:
    return {field.name: getattr(RetrievalConfig(), field.name) for field in dataclasses.fields(RetrievalConfig)}


class MemoEmbedder(Embedder):
    """The real embedder, remembering query vectors across configurations (same vectors, fewer encodes)."""

    def __init__(self) -> None:
        super().__init__()
        self._memo: dict[str, Any] = {}
        self.encoded = 0

    def encode(self, texts):
        import numpy as np

        missing = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if missing:
            self.encoded += len(missing)
            for text, vector in zip(missing, super().encode(missing), strict=True):
                self._memo[text] = vector
        return np.stack([self._memo[t] for t in texts]) if texts else super().encode(texts)


def cubes_of(conv: Conversation) -> list:
    namespace = f"locomo-{conv.sample_id}"
    return [
        plaintext_cube(
            turn_line(turn),
            namespace=namespace,
            owner="ablation",
            cube_id=f"{namespace}:{turn.dia_id}",
            provenance=Provenance(source=f"locomo:{conv.sample_id}", refs=(turn.dia_id,), operator="ingest"),
            meta={"speaker": turn.speaker, "date_time": turn.date_time, "session": turn.session},
        )
        for turn in conv.turns
    ]


def evaluate(name, config, mode, conversations, embedder, cache_dir) -> dict[str, Any]:
    start = time.perf_counter()
    retriever = Retriever(embedder, config, cache_dir=cache_dir)
    refs: dict[str, tuple[str, ...]] = {}
    for conv in conversations:
        cubes = cubes_of(conv)
        retriever.add(cubes)
        refs.update({c.id: c.header.provenance.refs for c in cubes})
    indexed = time.perf_counter()
    per_question = []
    for conv in conversations:
        for q in conv.questions:
            gold = normalize_evidence(q.evidence)
            if not gold:
                continue
            hits = retriever.search(q.question, f"locomo-{conv.sample_id}", k=max(KS), mode=mode)
            row = {"qid": q.qid, "sample": conv.sample_id, "category": q.category, "returned": len(hits)}
            for k in KS:
                got = {ref for hit in hits[:k] for ref in refs[hit.cube_id]}
                row[f"recall@{k}"] = sum(g in got for g in gold) / len(gold)
            per_question.append(row)
    result = {"name": name, "mode": mode, "config": _plain(config), **summary(per_question)}
    dev = {c.sample_id for c in conversations[:DEV_CONVERSATIONS]}
    result["dev"] = summary([r for r in per_question if r["sample"] in dev])
    result["held_out"] = summary([r for r in per_question if r["sample"] not in dev])
    result["index_s"] = round(indexed - start, 2)
    result["search_s"] = round(time.perf_counter() - indexed, 2)
    result["per_question"] = per_question
    print(
        f"{name:42s} "
        + " ".join(f"{key}={result[key]:.3f}" for key in ("recall@5", "recall@10"))
        + " | cat "
        + " ".join(f"{c}:{result['by_category'][str(c)]['recall@10']:.3f}" for c in CATEGORIES),
        flush=True,
    )
    return result


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def mean(values):
        values = list(values)
        return sum(values) / len(values) if values else 0.0

    out: dict[str, Any] = {"n": len(rows), "empty_searches": sum(r["returned"] == 0 for r in rows)}
    for k in KS:
        out[f"recall@{k}"] = mean(r[f"recall@{k}"] for r in rows)
    out["by_category"] = {
        str(c): {
            "n": sum(r["category"] == c for r in rows),
            **{f"recall@{k}": mean(r[f"recall@{k}"] for r in rows if r["category"] == c) for k in KS},
        }
        for c in CATEGORIES
    }
    return out


def _plain(config: RetrievalConfig) -> dict[str, Any]:
    return {k: (v.value if hasattr(v, "value") else v) for k, v in dataclasses.asdict(config).items()}


def markdown(made: dict[str, Any], results: list[dict[str, Any]]) -> str:
    head = (
        ["configuration", "n", "R@5", "R@10"]
        + [f"R@{k} c{c}" for c in CATEGORIES for k in KS]
        + ["Δ R@10 c1", "Δ R@10 c3", "R@10 dev", "R@10 held-out"]
    )
    base = next(r for r in results if r["name"] == "baseline")
    lines = [
        "# Plaintext retrieval ablation on LoCoMo (categories 1-4)",
        "",
        f"Made by `{made['command']}` on {made['machine']['platform']} ({made['machine']['cpus']} CPUs), "
        f"{made['date']}, commit {made['git']['commit']}"
        f"{' (DIRTY TREE: ' + made['warning'] + ')' if made.get('dirty') else ''}.",
        "",
        "Embedder all-MiniLM-L6-v2 (offline), hybrid mode unless named, k=10 turns per search. "
        "R@k = mean fraction of a question's evidence dia_ids among the first k returned *turns* "
        "(neighbours added by expansion count toward k); empty searches score 0; the 4 questions "
        "without evidence ids are left out (n). Categories: "
        + ", ".join(f"c{c} {CATEGORY_NAMES[c]}" for c in CATEGORIES)
        + ". Δ = change of R@10 against the baseline (the retriever before this work). "
        f"dev = conversations 1-{DEV_CONVERSATIONS} of the file (options were chosen on these), "
        f"held-out = the others.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for r in results:
        cats = r["by_category"]
        cells = [r["name"], f"{r['n']:,}", f"{r['recall@5']:.3f}", f"{r['recall@10']:.3f}"]
        cells += [f"{cats[str(c)][f'recall@{k}']:.3f}" for c in CATEGORIES for k in KS]
        for c in (1, 3):
            delta = cats[str(c)]["recall@10"] - base["by_category"][str(c)]["recall@10"]
            cells.append(f"{delta:+.3f}")
        cells += [f"{r[part]['recall@10']:.3f}" if r[part]["n"] else "—" for part in ("dev", "held_out")]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="results/retrieval_ablation", help="writes OUT.md and OUT.json")
    parser.add_argument("--only", nargs="*", help="run only configurations whose name contains one of these")
    parser.add_argument("--conversations", nargs="*", help="sample ids (default: all 10)")
    parser.add_argument("--cache-dir", help="keep document embeddings here between runs (default: a temporary dir)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument(
        "--allow-dirty", action="store_true", help="write into results/ from a dirty tree (the files are marked dirty)"
    )
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    made = environment(REPO, " ".join(["python", *sys.argv]))
    made.update(dirty_marks(made, Path(args.out).with_suffix(".md"), REPO, args.allow_dirty))
    conversations = load_locomo()
    if args.conversations:
        conversations = [c for c in conversations if c.sample_id in set(args.conversations)]
    conversations = [
        dataclasses.replace(c, questions=tuple(q for q in c.questions if q.category in CATEGORIES))
        for c in conversations
    ]
    embedder = MemoEmbedder()
    runs: list[tuple[str, RetrievalConfig, str]] = [("baseline", RetrievalConfig(**BASELINE), "hybrid")]
    runs += [(name, RetrievalConfig(**BASELINE), mode) for name, mode in REFERENCE_MODES.items()]
    runs += [(name, RetrievalConfig(**{**BASELINE, **change}), "hybrid") for name, change in SINGLE.items()]
    runs += [(name, RetrievalConfig(**{**BASELINE, **change}), "hybrid") for name, change in combinations().items()]
    if args.only:
        runs = [r for r in runs if r[0] == "baseline" or any(s in r[0] for s in args.only)]
    results = []
    with tempfile.TemporaryDirectory() as temporary:
        cache_dir = args.cache_dir or temporary
        for name, config, mode in runs:
            results.append(evaluate(name, config, mode, conversations, embedder, cache_dir))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    (out.with_suffix(".md")).write_text(markdown(made, results), encoding="utf-8")
    write_json(out.with_suffix(".json"), {"made": made, "results": results})
    print(f"wrote {out.with_suffix('.md')} and {out.with_suffix('.json')}")


if __name__ == "__main__":
    main()

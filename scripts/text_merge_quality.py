"""How well text_merge's decisions match the truth on knowledge-update timelines (no answering model).

For every user, each statement is a plaintext cube; the operator plans its
decisions (writing nothing), and each is checked against the generator's
truth: a supersession or duplicate is right when both statements are about
the same attribute (or are the same small talk); a change whose predecessor
is left live is a miss. With `--locomo IDS`, the same plan over LoCoMo
conversations, where a fact rarely changes: the share of turns it would
archive is the damage. Prints JSON.

    python scripts/text_merge_quality.py --users 20 --seed 0 [--detector llm] [--fact-max-words N|0]
    python scripts/text_merge_quality.py --locomo 26 30 [--fact-max-words N|0]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--detector", choices=("embedding", "llm"), default="embedding")
    parser.add_argument("--conflict-threshold", type=float, default=0.45)
    parser.add_argument("--fact-max-words", type=int, default=16, help="0: no limit")
    parser.add_argument("--locomo", nargs="+", metavar="ID", help="LoCoMo sample ids: count what would be fused")
    args = parser.parse_args()
    import torch

    from memos_lab.models.embedder import Embedder
    from memos_lab.operators.text_merge import TextMerge

    torch.set_num_threads(1)
    model = None
    if args.detector == "llm":
        from memos_lab.models.hf_local import HFCausalLM

        model = HFCausalLM()
    merge = TextMerge(Embedder(), model, args.detector, conflict_threshold=args.conflict_threshold,
                      fact_max_words=args.fact_max_words or None)
    counts = locomo_counts(merge, args.locomo) if args.locomo else timeline_counts(merge, args)
    if args.detector == "llm":
        counts |= {"llm_asked": merge.detector.asked, "llm_unparsable": merge.detector.unparsable}
    print(json.dumps({"args": vars(args), **counts}, indent=2))


def timeline_counts(merge, args) -> dict:
    from evals.datasets.knowledge_update.timeline import make_users
    from memos_lab.cube import plaintext_cube

    counts = {"changes": 0, "superseded_right": 0, "duplicates_right": 0, "wrong_pairs": 0}
    for user in make_users(args.users, 3, 2, 4, args.seed):
        cubes = [plaintext_cube(f"[{s.day.isoformat()}] {user.name}: {s.text}", namespace="ku", owner="o",
                                meta={"speaker": user.name}, now=float(i)) for i, s in enumerate(user.statements)]
        truth = {c.id: s for c, s in zip(cubes, user.statements, strict=True)}
        counts["changes"] += sum(len(h.values) - 1 for h in user.facts.values())
        for d in merge.plan(cubes):
            older, newer = truth[d.older], truth[d.newer]
            same = older.attribute == newer.attribute and (older.attribute is not None or older.text == newer.text)
            changed = same and older.value != newer.value
            key = "wrong_pairs" if not same else ("superseded_right" if changed else "duplicates_right")
            counts[key] += 1
    counts["change_recall"] = round(counts["superseded_right"] / max(1, counts["changes"]), 3)
    return counts


def locomo_counts(merge, sample_ids: list[str]) -> dict:
    from evals.datasets.locomo import LocomoDataset
    from memos_lab.cube import plaintext_cube

    counts = {"turns": 0, "superseded": 0, "duplicates": 0}
    for episode in LocomoDataset(sample_ids=sample_ids).load():
        cubes = [plaintext_cube(e.memory_line(), namespace="locomo", owner="o",
                                meta={"speaker": e.speaker, "date_time": e.time}, now=float(i))
                 for i, e in enumerate(episode.events)]
        decisions = merge.plan(cubes)
        counts["turns"] += len(cubes)
        counts["superseded"] += sum(d.rule == "supersede" for d in decisions)
        counts["duplicates"] += sum(d.rule == "duplicate" for d in decisions)
    counts["superseded_share"] = round(counts["superseded"] / max(1, counts["turns"]), 3)
    return counts


if __name__ == "__main__":
    main()

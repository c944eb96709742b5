"""How well text_merge's decisions match the truth on knowledge-update timelines (no answering model).

For every user, each statement is a plaintext cube; the operator plans its
decisions (writing nothing), and each is checked against the generator's
truth: a supersession or duplicate is right when both statements are about
the same attribute (or are the same small talk); a change whose predecessor
is left live is a miss. Prints JSON.

    python scripts/text_merge_quality.py --users 20 --seed 0 [--detector llm]
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
    args = parser.parse_args()
    import torch

    from evals.datasets.knowledge_update.timeline import make_users
    from memos_lab.cube import plaintext_cube
    from memos_lab.models.embedder import Embedder
    from memos_lab.operators.text_merge import TextMerge

    torch.set_num_threads(1)
    model = None
    if args.detector == "llm":
        from memos_lab.models.hf_local import HFCausalLM

        model = HFCausalLM()
    merge = TextMerge(Embedder(), model, args.detector, conflict_threshold=args.conflict_threshold)
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
    if args.detector == "llm":
        counts |= {"llm_asked": merge.detector.asked, "llm_unparsable": merge.detector.unparsable}
    print(json.dumps({"args": vars(args), **counts}, indent=2))


if __name__ == "__main__":
    main()

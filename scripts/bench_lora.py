"""Benchmark the parameter tier: closed-book recall, retained ability, cost.

    python scripts/bench_lora.py --out results/bench_lora.json

On a seeded synthetic fact set (evals/synthetic_facts.py), in one run:
accuracy of the base model and of base + adapter on the trained phrasing and
on paraphrases never trained on; perplexity on a held-out paragraph unrelated
to the facts, without and with the adapter; training seconds and adapter
bytes; switch latency between two resident adapters; first-token latency with
and without an adapter; each user's accuracy after merging two users'
adapters. With --locomo-questions N, one LoCoMo conversation's questions:
half trained as QA pairs, half held out (only their evidence turns trained),
base vs adapter on each half, with the adapter's perplexity and cost.
Accuracy: the normalised gold answer appears in the normalised prediction
(LoCoMo normalisation); mean LoCoMo token F1 is reported beside it.

With --no-base the base-model answers are not computed: their fields are
null and listed under "not_measured". Writing into results/ needs a clean git
tree (or --allow-dirty, which marks the file "dirty" with a "warning").
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from evals.datasets.base import first_line  # noqa: E402
from evals.environment import DirtyTreeError, dirty_marks, environment_record  # noqa: E402
from evals.locomo.scoring import f1_score, normalize_answer  # noqa: E402
from evals.synthetic_facts import Fact, generate_facts  # noqa: E402
from evals.systems.base import turn_line  # noqa: E402
from memos_lab.atomic import dumps_json, write_json  # noqa: E402
from memos_lab.cube import plaintext_cube  # noqa: E402
from memos_lab.models.hf_local import HFCausalLM  # noqa: E402
from memos_lab.prompts import MemoryPrompt  # noqa: E402
from memos_lab.store import CubeStore  # noqa: E402
from memos_lab.tiers.parameter.distil import DistilConfig  # noqa: E402
from memos_lab.tiers.parameter.merge import merge_cubes  # noqa: E402
from memos_lab.tiers.parameter.tier import ParameterTier  # noqa: E402

LOCOMO_CATEGORIES = (1, 2, 4)  # multi-hop, temporal, single-hop: facts stated in the turns
HELD_OUT = (
    "The water cycle describes how water moves between the oceans, the air and the land. Heat from the sun "
    "evaporates water from seas and lakes, and plants release vapour through their leaves. As the moist air "
    "rises it cools, and the vapour condenses into tiny droplets that form clouds. When the droplets grow heavy "
    "enough they fall as rain or snow. Some of this water soaks into the ground and refills aquifers, while the "
    "rest runs off into rivers that carry it back to the sea, where the cycle begins again. Over long periods "
    "the same water has passed through glaciers, clouds, rivers and living things many times."
)


def main(argv: list[str] | None = None) -> dict:
    args = _parse_args(argv)
    # At the start: the commit and tree that ran, not a later one; a dirty tree is refused before any work.
    record = environment_record(REPO, shlex.join(["python", "scripts/bench_lora.py", *_argv(argv)]))
    try:
        marks = dirty_marks(record, args.out, REPO, args.allow_dirty)
    except DirtyTreeError as exc:
        sys.exit(str(exc))
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)  # on a shared CPU, 1 thread beats oversubscribed OpenMP spinning
    model = HFCausalLM()
    environment = _environment(record, model, args)
    facts = generate_facts(args.facts, seed=args.seed) if args.facts else []
    config = DistilConfig(rank=args.rank, alpha=2.0 * args.rank, steps=args.steps, lr=args.lr, seed=args.seed,
                          train_statements=args.statements, warmup_steps=min(10, args.steps // 4))  # fmt: skip
    with tempfile.TemporaryDirectory() as root, CubeStore(root) as store:
        tier = ParameterTier(model, store, distil=config, max_new_tokens=args.max_new_tokens)
        result = {"config": asdict(config)}
        if facts:
            result.update(bench_facts(tier, facts, args))
        if facts and args.merge:
            result.update(bench_users(tier, facts, args))
        if args.locomo_questions:
            result["locomo"] = bench_locomo(tier, args)
    result["environment"] = environment | {"load_average_at_end": list(os.getloadavg())}
    out = Path(args.out)
    if args.update and out.exists():  # add this run's parts to an earlier run's file; both environments kept
        earlier = json.loads(out.read_text())
        result = {**earlier, **result, "environment": earlier["environment"], "config": earlier["config"],
                  "environment_update": result["environment"], "config_update": result["config"]}  # fmt: skip
        if earlier.get("dirty"):
            marks = marks or {k: earlier[k] for k in ("dirty", "warning") if k in earlier}
    result = {**marks, **{k: v for k, v in result.items() if k not in ("dirty", "warning")}}
    out.parent.mkdir(parents=True, exist_ok=True)
    write_json(out, result)  # strict JSON: a NaN raises here instead of writing an invalid file
    print(dumps_json({k: v for k, v in result.items() if not isinstance(v, (dict, list))}), end="")
    return result


BASE_FIELDS = ("acc_base", "acc_base_paraphrase", "f1_base", "ttft_base_ms")


def bench_facts(tier: ParameterTier, facts: list[Fact], args) -> dict:
    base_q = _answer_base(tier, [f.question for f in facts]) if args.base else None  # --no-base: not measured
    base_p = _answer_base(tier, [f.paraphrase for f in facts]) if args.base else None
    ppl_base = perplexity(tier, None)
    tier.prepare("synthetic", "bench", _cubes(facts, "synthetic"))
    lora_q = _answer_tier(tier, "synthetic", [f.question for f in facts])
    lora_p = _answer_tier(tier, "synthetic", [f.paraphrase for f in facts])
    gold = [f.answer for f in facts]
    measured = base_q is not None
    result = {
        "n_facts": len(facts),
        "acc_base": _accuracy(base_q, gold) if measured else None,
        "acc_base_paraphrase": _accuracy(base_p, gold) if measured else None,
        "acc_lora": _accuracy(lora_q, gold),
        "acc_lora_paraphrase": _accuracy(lora_p, gold),
        "f1_base": _f1(base_q, gold) if measured else None,
        "f1_lora": _f1(lora_q, gold),
        "f1_lora_paraphrase": _f1(lora_p, gold),
        "ppl_base": ppl_base,
        "ppl_lora": perplexity(tier, tier.adapter_of("synthetic")),
        "train_s": tier.train_s["synthetic"],
        "adapter_bytes": tier.bytes_stored(),
        "ttft_base_ms": 1000 * statistics.median(g["ttft_s"] for g in base_q) if measured else None,
        "ttft_lora_ms": 1000 * statistics.median(g["ttft_s"] for g in lora_q),
        "loss_first_last": [tier.losses["synthetic"][0], tier.losses["synthetic"][-1]],
        "samples": [
            {"question": f.question, "gold": f.answer, "base": b["text"] if measured else None, "lora": q["text"],
             "paraphrase": p["text"]}
            for f, b, q, p in list(zip(facts, base_q or [None] * len(facts), lora_q, lora_p, strict=True))[:10]
        ],
    }
    if not measured:
        result["not_measured"] = {"fields": [*BASE_FIELDS, "samples[].base"],
                                  "reason": "--no-base: base-model answers skipped (null here, not zero)"}  # fmt: skip
    return result


def bench_users(tier: ParameterTier, facts: list[Fact], args) -> dict:
    """Two users with half the facts each: switch latency, then each user's accuracy after a merge."""
    half = len(facts) // 2
    users = {"user_a": facts[:half], "user_b": facts[half:]}
    tier.detach("synthetic")
    full = tier.config
    tier.config = replace(full, steps=max(full.warmup_steps + 1, full.steps // 2))  # half the facts, same epochs
    for user, own in users.items():
        tier.prepare(user, user, _cubes(own, user))
    tier.config = full
    separate = {u: _accuracy(_answer_tier(tier, u, [f.question for f in own], actor=u), [f.answer for f in own])
                for u, own in users.items()}  # each user reads their own adapter; "bench" may not
    switch_ms = _switch_ms(tier, [tier.adapter_of(u) for u in users])
    merged = {}
    cubes = [tier.store.get(tier.cube_ids[u], u) for u in users]
    for combination in args.combinations:
        cube = merge_cubes(tier.server, cubes, namespace="merged", owner="bench", combination=combination)
        tier.store.put(cube, "bench")
        tier.attach("merged", "bench", cube.id)
        merged[combination] = {
            u: _accuracy(_answer_tier(tier, "merged", [f.question for f in own]), [f.answer for f in own])
            for u, own in users.items()
        }
        merged[combination]["adapter_bytes"] = tier.adapter_bytes["merged"]
        tier.detach("merged")
    best = max(merged, key=lambda c: merged[c]["user_a"] + merged[c]["user_b"])
    return {
        "acc_user_separate": separate,
        "switch_ms": switch_ms,
        "merged_acc": {u: merged[best][u] for u in users} | {"combination": best},
        "merged_acc_by_combination": merged,
    }


def bench_locomo(tier: ParameterTier, args) -> dict:
    """QA of one LoCoMo conversation (categories 1/2/4 with evidence), each question's evidence turns a cube.

    Questions alternate between two splits. *Trained*: the cube carries the question and its gold answer
    (`meta["qa"]`), so the adapter learns that exact pair. *Held out*: the cube carries only the evidence
    turns, trained through cloze QA over their text, and the question is never seen: closed-book recall of
    a memory rather than of a question, the case a deployed tier faces.
    """
    from evals.locomo.loader import load_locomo

    conversation = load_locomo()[args.locomo_sample]
    chosen = [q for q in conversation.questions if q.category in LOCOMO_CATEGORIES and q.evidence]
    chosen = chosen[: args.locomo_questions]
    splits = {"trained": chosen[0::2], "held_out": chosen[1::2]}
    cubes = [_evidence_cube(conversation, q, with_qa=True) for q in splits["trained"]]
    cubes += [_evidence_cube(conversation, q, with_qa=False) for q in splits["held_out"]]
    base = {name: _answer_base(tier, [q.question for q in qs]) for name, qs in splits.items()}
    tier.prepare("locomo", "bench", cubes)
    lora = {name: _answer_tier(tier, "locomo", [q.question for q in qs]) for name, qs in splits.items()}
    result = {
        "sample_id": conversation.sample_id,
        "categories": list(LOCOMO_CATEGORIES),
        "n_questions": {name: len(qs) for name, qs in splits.items()},
        "ppl_base": perplexity(tier, None),
        "ppl_lora": perplexity(tier, tier.adapter_of("locomo")),
        "train_s": tier.train_s["locomo"],
        "adapter_bytes": tier.adapter_bytes["locomo"],
        "loss_first_last": [tier.losses["locomo"][0], tier.losses["locomo"][-1]],
    }
    for name, qs in splits.items():
        result[name] = _locomo_scores(qs, base[name], lora[name])
    tier.detach("locomo")
    return result


def _locomo_scores(questions: list, base: list[dict], lora: list[dict]) -> dict:
    """F1 by the LoCoMo rules on the first line of each output, as the run harness scores it."""
    from evals.locomo.scoring import score_answer

    def f1(outputs: list[dict]) -> float:
        pairs = zip(outputs, questions, strict=True)
        return statistics.mean(score_answer(first_line(o["text"]), q.answer, q.category) for o, q in pairs)

    gold = [q.answer for q in questions]
    outputs = [{"qid": q.qid, "category": q.category, "question": q.question, "gold": q.answer, "base": b["text"],
                "lora": lo["text"]} for q, b, lo in zip(questions, base, lora, strict=True)]  # fmt: skip
    return {"f1_base": f1(base), "f1_lora": f1(lora), "acc_base": _accuracy(base, gold),
            "acc_lora": _accuracy(lora, gold), "outputs": outputs}  # fmt: skip


def _evidence_cube(conversation, question, with_qa: bool):
    known = {t.dia_id for t in conversation.turns}  # some evidence ids name no turn; they are skipped
    turns = [conversation.turn(d) for d in question.evidence if d in known]
    text = "\n".join(turn_line(t) for t in turns) or question.question
    meta = {"qa": [[question.question, question.answer]]} if with_qa else {}
    return plaintext_cube(text, namespace="locomo", owner="bench", meta=meta)


def perplexity(tier: ParameterTier, adapter: str | None) -> float:
    import math

    import torch

    ids = tier.model.encode(HELD_OUT)
    with torch.inference_mode():
        if adapter is None:
            loss = tier.model.model(input_ids=ids, labels=ids).loss
        else:
            with tier.server.using(adapter):
                loss = tier.model.model(input_ids=ids, labels=ids).loss
    return math.exp(float(loss))


def _switch_ms(tier: ParameterTier, names: list[str], rounds: int = 50) -> float:
    times = []
    for i in range(rounds):
        start = time.perf_counter()
        tier.server.activate(names[i % len(names)])
        times.append(time.perf_counter() - start)
    tier.server.deactivate()
    return 1000 * statistics.median(times)


def _answer_base(tier: ParameterTier, questions: list[str]) -> list[dict]:
    limit = tier.max_new_tokens
    prompts = [MemoryPrompt("", q).messages() for q in questions]
    return [_gen(tier.model.chat(messages, max_new_tokens=limit)) for messages in _bar(prompts, "base")]


def _answer_tier(tier: ParameterTier, namespace: str, questions: list[str], actor: str = "bench") -> list[dict]:
    return [_gen(tier.respond(namespace, actor, q, [])) for q in _bar(questions, namespace)]


def _bar(items: list, desc: str):
    from tqdm.auto import tqdm

    return tqdm(items, desc=f"answer {desc}", leave=False)


def _gen(result) -> dict:
    return {"text": result.text, "ttft_s": result.ttft_s}


def _accuracy(outputs: list[dict], gold: list[str]) -> float:
    hits = [normalize_answer(g) in normalize_answer(o["text"]) for o, g in zip(outputs, gold, strict=True)]
    return sum(hits) / len(hits)


def _f1(outputs: list[dict], gold: list[str]) -> float:
    return statistics.mean(f1_score(o["text"], g) for o, g in zip(outputs, gold, strict=True))


def _cubes(facts: list[Fact], namespace: str) -> list:
    return [plaintext_cube(f.statement, namespace=namespace, owner=namespace, meta={"qa": [[f.question, f.answer]]})
            for f in facts]  # fmt: skip


def _environment(record: dict, model: HFCausalLM, args) -> dict:
    import torch

    return record | {
        "args": vars(args),
        "torch_threads": torch.get_num_threads(),
        "device": model.device,
        "model": model.fingerprint(),
        "load_average_at_start": list(os.getloadavg()),
    }


def _argv(argv: list[str] | None) -> list[str]:
    return sys.argv[1:] if argv is None else list(argv)


def _parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="results/bench_lora.json")
    parser.add_argument("--facts", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--no-base", dest="base", action="store_false", help="skip the base-model answers")
    parser.add_argument("--no-merge", dest="merge", action="store_false")
    parser.add_argument("--statements", action="store_true", help="also train on the statements as plain text")
    parser.add_argument("--combinations", nargs="+", default=["cat", "linear", "ties", "dare_ties"])
    parser.add_argument("--max-new-tokens", type=int, default=16)
    parser.add_argument("--locomo-questions", type=int, default=0, help="LoCoMo questions (0: skip)")
    parser.add_argument("--locomo-sample", type=int, default=0, help="index of the LoCoMo conversation")
    parser.add_argument("--update", action="store_true", help="add this run's parts to an existing --out file")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--allow-dirty", action="store_true",
                        help="write into results/ from a dirty git tree (the file is marked dirty)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    main()

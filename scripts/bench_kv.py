"""Benchmark the activation tier: time to first token with and without a KV prefix.

    python scripts/bench_kv.py --out results/bench_kv.json

For each memory length (tokens of the cached system turn: instructions plus
LoCoMo conversation lines) and one ~30-token question, measured in the same
run and interleaved (so machine load hits every mode alike):
  ttft_prefill_ms  plain prompting, the whole prompt prefilled;
  ttft_kv_ms       KV cube already in memory: cache matched and copied, suffix prefilled;
  ttft_kv_disk_ms  KV cube read from the store (file read, sha256, safetensors decode,
                   model/shape checks) and then injected; the file is in the OS page cache;
  build_ms         one prefill of the memory into a KV cache;
  bytes_per_token  stored KV cube bytes / cached tokens;
  outputs_identical  greedy answers of the three modes are the same text and length.
TTFTs are medians over --repeats. On a CPU shared with other jobs, --threads 1
is far steadier than torch's default (idle threads spin while others wait). `break_even_tokens` is the shortest measured
length from which the KV path is faster at every longer length.

The memory is LoCoMo's conversation lines; without the dataset the script
stops with a clear message unless --synthetic asks for seeded synthetic lines
(recorded in settings.memory). Writing into results/ needs a clean git tree
(or --allow-dirty, which marks the file "dirty" with a "warning").
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from evals.environment import DirtyTreeError, dirty_marks, environment_record  # noqa: E402
from evals.locomo.loader import DatasetNotFoundError, load_locomo  # noqa: E402
from memos_lab.atomic import write_json  # noqa: E402
from memos_lab.models.hf_local import HFCausalLM  # noqa: E402
from memos_lab.prompts import MemoryPrompt, format_memories  # noqa: E402
from memos_lab.store import CubeStore  # noqa: E402
from memos_lab.tiers.activation.build import prefill, system_turn_ids, template_meta  # noqa: E402
from memos_lab.tiers.activation.inject import generate_with_kv  # noqa: E402
from memos_lab.tiers.activation.serialize import kv_cube, kv_from_cube  # noqa: E402

LENGTHS = (64, 128, 512, 1024, 2048, 4096)
QUESTION = (
    "Thinking back over everything in these conversations, what exactly did Caroline say she was "
    "researching, and which kind of agencies was she looking into?"
)
ACTOR = "bench"
MODES = ("prefill", "kv", "kv_disk")


def memory_lines(count: int = 2000, synthetic: bool = False) -> tuple[str, list[str]]:
    """LoCoMo conversation lines, "Speaker: text", in order; seeded synthetic lines only when asked for."""
    if synthetic:
        return "synthetic lines (--synthetic)", [synthetic_line(i) for i in range(count)]
    lines = [f"{turn.speaker}: {turn.text}" for conv in load_locomo() for turn in conv.turns]
    return "LoCoMo conversation lines in order, as format_memories writes them", lines[:count]


def synthetic_line(i: int) -> str:
    names, verbs = ("Ana", "Ben", "Caro", "Dev"), ("saw", "talked about", "wrote about", "drew")
    things = ("a lake", "a book")
    return f"{names[i % 4]}: On day {i} I {verbs[i // 4 % 4]} {things[i // 16 % 2]} with my friend number {i % 7}."


def memory_of(model, lines: list[str], tokens: int) -> str:
    """The longest run of leading lines whose system turn fits in `tokens` (binary search)."""
    lo, hi = 0, len(lines)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(system_turn_ids(model, format_memories(lines[:mid]))) <= tokens:
            lo = mid
        else:
            hi = mid - 1
    return format_memories(lines[:lo])


class Case:
    """One memory length: its prompt, its KV cache in memory and in the store."""

    def __init__(self, model, store: CubeStore, memory: str) -> None:
        self.model = model
        self.input_ids = model.chat_ids(MemoryPrompt(memory, QUESTION).messages())
        ids = system_turn_ids(model, memory)
        start = time.perf_counter()
        self.kv = prefill(model, ids)
        self.build_s = time.perf_counter() - start
        cube = kv_cube(self.kv, namespace="bench", owner=ACTOR, template=template_meta(model))
        self.header = store.put(cube, ACTOR)
        self.store = store

    def run(self, mode: str, max_new_tokens: int):
        if mode == "prefill":
            return self.model.generate_ids(self.input_ids, max_new_tokens=max_new_tokens)
        if mode == "kv":
            return generate_with_kv(self.model, self.kv, self.input_ids, max_new_tokens).generation
        start = time.perf_counter()
        kv = kv_from_cube(self.store.get(self.header.id, ACTOR, touch=False), self.model)
        load_s = time.perf_counter() - start
        generation = generate_with_kv(self.model, kv, self.input_ids, max_new_tokens).generation
        return dataclasses.replace(generation, ttft_s=generation.ttft_s + load_s, total_s=generation.total_s + load_s)


def measure(case: Case, repeats: int, max_new_tokens: int) -> dict[str, Any]:
    """Interleaved runs; the first of each mode decodes the answer, the rest stop at one token."""
    ttft: dict[str, list[float]] = {m: [] for m in MODES}
    answers: dict[str, tuple[str, int]] = {}
    for r in range(repeats):
        for mode in MODES:
            generation = case.run(mode, max_new_tokens if r == 0 else 1)
            ttft[mode].append(generation.ttft_s)
            if r == 0:
                answers[mode] = (generation.text, generation.completion_tokens)
    med = {m: statistics.median(v) * 1000 for m, v in ttft.items()}
    return {
        "tokens": case.kv.num_tokens,
        "prompt_tokens": int(case.input_ids.shape[1]),
        "ttft_prefill_ms": round(med["prefill"], 2),
        "ttft_kv_ms": round(med["kv"], 2),
        "ttft_kv_disk_ms": round(med["kv_disk"], 2),
        "reduction": round(1 - med["kv"] / med["prefill"], 4),
        "reduction_disk": round(1 - med["kv_disk"] / med["prefill"], 4),
        "bytes_per_token": round(case.header.size_bytes / case.kv.num_tokens, 1),
        "kv_bytes": case.header.size_bytes,
        "build_ms": round(case.build_s * 1000, 2),
        "outputs_identical": len(set(answers.values())) == 1,
        "answer": answers["prefill"][0],
        "ttft_samples_ms": {m: [round(t * 1000, 2) for t in v] for m, v in ttft.items()},
    }


def break_even(rows: list[dict[str, Any]]) -> int | None:
    """Shortest measured length from which KV injection wins at every longer length."""
    best = None
    for row in sorted(rows, key=lambda r: r["tokens"], reverse=True):
        if row["ttft_kv_ms"] >= row["ttft_prefill_ms"]:
            break
        best = row["tokens"]
    return best


def environment(record: dict[str, Any], model) -> dict[str, Any]:
    """The shared environment record plus what this benchmark depends on: threads, device, model fingerprint."""
    import torch

    return record | {
        "torch_threads": torch.get_num_threads(),
        "device": model.device,
        "model": model.fingerprint(),
        "load_average_at_start": list(os.getloadavg()),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="JSON file to write")
    parser.add_argument("--lengths", type=int, nargs="+", default=list(LENGTHS), help="cached prefix tokens")
    parser.add_argument("--repeats", type=int, default=3, help="TTFT samples per mode (median reported)")
    parser.add_argument("--max-new-tokens", type=int, default=16, help="answer length for the identity check")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--synthetic", action="store_true", help="seeded synthetic memory lines instead of LoCoMo")
    parser.add_argument("--allow-dirty", action="store_true",
                        help="write into results/ from a dirty git tree (the file is marked dirty)")
    args = parser.parse_args(argv)
    argv = sys.argv[1:] if argv is None else list(argv)
    record = environment_record(REPO, shlex.join(["python", "scripts/bench_kv.py", *argv]))
    try:
        marks = dirty_marks(record, args.out, REPO, args.allow_dirty)
        memory_kind, lines = memory_lines(synthetic=args.synthetic)
    except DatasetNotFoundError as exc:
        sys.exit(f"bench_kv: {exc} Or pass --synthetic for seeded synthetic memory lines.")
    except DirtyTreeError as exc:
        sys.exit(f"bench_kv: {exc}")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    model = HFCausalLM()
    report = {**marks, "environment": environment(record, model)}
    report["settings"] = {
        "repeats": args.repeats,
        "max_new_tokens": args.max_new_tokens,
        "question": QUESTION,
        "question_tokens": model.count_tokens(QUESTION),
        "memory": memory_kind,
    }
    rows = []
    with tempfile.TemporaryDirectory() as tmp, CubeStore(tmp) as store:
        model.generate_ids(model.chat_ids(MemoryPrompt("warm-up", QUESTION).messages()), max_new_tokens=2)
        for length in sorted(args.lengths):
            if length >= model.context_window - 64:
                print(f"skip {length}: beyond the model's window {model.context_window}", file=sys.stderr)
                continue
            row = measure(Case(model, store, memory_of(model, lines, length)), args.repeats, args.max_new_tokens)
            rows.append(row)
            print(_row_text(row), file=sys.stderr, flush=True)
    report["environment"]["load_average_at_end"] = list(os.getloadavg())
    report["results"] = rows
    report["break_even_tokens"] = break_even(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_json(args.out, report)  # strict JSON: a NaN raises instead of writing an invalid file
    return report


def _row_text(row: dict[str, Any]) -> str:
    return (
        f"{row['tokens']:>5} tokens  prefill {row['ttft_prefill_ms']:>8.1f} ms  kv {row['ttft_kv_ms']:>7.1f} ms  "
        f"kv+disk {row['ttft_kv_disk_ms']:>7.1f} ms  reduction {row['reduction']:.3f}  "
        f"{row['bytes_per_token']:.0f} B/token  identical {row['outputs_identical']}"
    )


if __name__ == "__main__":
    main()

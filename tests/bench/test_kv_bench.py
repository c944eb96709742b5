"""pytest-benchmark twin of scripts/bench_kv.py: TTFT with full prefill, KV in memory, KV from the store.

    pytest tests/bench/test_kv_bench.py --benchmark-enable

Under the default `--benchmark-disable` each case runs once, as a smoke test of
the benchmark path; timings are reported by pytest-benchmark, never asserted.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from memos_lab.store import CubeStore

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench_kv.py"
TOKENS = 256


def load_script():
    spec = importlib.util.spec_from_file_location("bench_kv", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    return load_script()


@pytest.fixture(scope="module")
def case(bench, tmp_path_factory):
    """As `bench_kv.py --threads 1`: one thread is steady on a shared CPU."""
    import torch

    from evals.locomo.loader import DatasetNotFoundError
    from memos_lab.models.hf_local import HFCausalLM

    try:
        lines = bench.memory_lines(200)[1]
    except DatasetNotFoundError:  # a smoke test of the path: any text will do (the script itself refuses)
        lines = bench.memory_lines(200, synthetic=True)[1]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    model = HFCausalLM()
    with CubeStore(tmp_path_factory.mktemp("kv-bench")) as store:
        yield bench.Case(model, store, bench.memory_of(model, lines, TOKENS))
    torch.set_num_threads(threads)


@pytest.mark.parametrize("mode", ["prefill", "kv", "kv_disk"])
def test_ttft(benchmark, case, mode):
    generation = benchmark.pedantic(case.run, args=(mode, 1), rounds=3, iterations=1)
    benchmark.extra_info.update(tokens=case.kv.num_tokens, bytes_per_token=case.header.size_bytes / case.kv.num_tokens)
    assert generation.completion_tokens == 1


def test_modes_answer_alike(case, bench):
    assert len({(g.text, g.completion_tokens) for g in (case.run(m, 6) for m in bench.MODES)}) == 1

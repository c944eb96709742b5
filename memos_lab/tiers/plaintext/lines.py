"""What a memory line is made of, and what of it each index sees.

A memory line reads `[date] speaker: words` (the LoCoMo ingest writes it so);
the date and speaker come from the cube's meta (`date_time`, `speaker`) when
present, else from the line's own prefix. `RetrievalConfig.date_in` and
`speaker_in` say which index sees which part; the words are always indexed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from memos_lab.cube import MemCube
from memos_lab.tiers.plaintext.config import Fields

_PREFIX = re.compile(r"^\[(?P<date>[^\]]{1,80})\]\s*(?:(?P<speaker>[^:\n]{1,60}):\s)?")


@dataclass(frozen=True)
class LineParts:
    date: str
    speaker: str
    words: str


def parts(cube: MemCube) -> LineParts:
    text = cube.text
    meta = cube.header.meta
    match = _PREFIX.match(text)
    words = text[match.end() :] if match else text
    date = str(meta.get("date_time") or (match.group("date") if match else "") or "")
    speaker = str(meta.get("speaker") or (match.group("speaker") if match and match.group("speaker") else "") or "")
    return LineParts(date.strip(), speaker.strip(), words)


def indexed_text(line: LineParts, date_in: Fields, speaker_in: Fields, index: str) -> str:
    """The text `index` ("dense" or "lexical") sees of one memory line."""
    wanted = {Fields.both, Fields(index)}
    date = f"[{line.date}] " if line.date and Fields(date_in) in wanted else ""
    speaker = f"{line.speaker}: " if line.speaker and Fields(speaker_in) in wanted else ""
    return f"{date}{speaker}{line.words}"

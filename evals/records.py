"""Per-question records: one JSON line each, appended and flushed as they are
made, so an interrupted run resumes where it stopped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class RecordsFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    if handle.read().strip():  # a torn line is only forgivable as the last one
                        raise ValueError(f"{self.path}: line {number} is not valid JSON") from None

    def drop_torn_tail(self) -> None:
        """Cut a half-written last line left by a crash, so appends start clean."""
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            with open(self.path, "r+b") as handle:
                handle.truncate(data.rfind(b"\n") + 1)

    def done_ids(self) -> set[str]:
        return {record["qid"] for record in self}

    def append(self, record: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(self.line(record))
            handle.flush()

    @staticmethod
    def line(record: dict[str, Any]) -> str:
        return json.dumps(record, ensure_ascii=False) + "\n"

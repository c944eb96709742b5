"""A SQLite cache of judge replies, keyed by (sha256 of the prompt, the judge's identity, sample index).

A rerun of the same judge on the same answers asks nothing; a changed
prompt, answer, gold or judge setting is a new key. Sample i of n is its own
key, so raising n asks only for the new samples. WAL mode, one transaction
per put: several judging processes may share a cache.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

SCHEMA = """CREATE TABLE IF NOT EXISTS replies (
    prompt_sha256 TEXT NOT NULL, judge TEXT NOT NULL, sample INTEGER NOT NULL,
    reply TEXT NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
    seconds REAL NOT NULL, created TEXT NOT NULL,
    PRIMARY KEY (prompt_sha256, judge, sample))"""


def prompt_sha256(prompt: str) -> str:
    return hashlib.sha256(prompt.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Reply:
    text: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float


class JudgeCache:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(SCHEMA)
        except sqlite3.DatabaseError as error:
            raise ValueError(f"judge cache {self.path} is not a usable SQLite file ({error}); move it away") from None

    def get(self, prompt_hash: str, judge: str, sample: int) -> Reply | None:
        row = self._db.execute(
            "SELECT reply, prompt_tokens, completion_tokens, seconds FROM replies "
            "WHERE prompt_sha256 = ? AND judge = ? AND sample = ?", (prompt_hash, judge, sample)).fetchone()
        return None if row is None else Reply(*row)

    def put(self, prompt_hash: str, judge: str, sample: int, reply: Reply) -> None:
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO replies VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             (prompt_hash, judge, sample, reply.text, reply.prompt_tokens, reply.completion_tokens,
                              reply.seconds, now))

    def close(self) -> None:
        self._db.close()

"""The scheduler's per-tick series: what each tick did, and what the queries before it saw.

Between two ticks the scheduler answers `interval` queries; `TickSeries`
counts their KV hits (cubes, tokens) and latencies in a `Window`, and at the
tick closes the window into one row (a plain dict, JSON-ready):

| field | what |
|---|---|
| `tick`, `queries` | the tick's number (1, 2, ...) and the queries answered so far |
| `kv_resident_tokens`, `kv_resident_bytes` | the KV tier's resident set after the tick |
| `adapters_loaded` | LoRA adapters loaded (None without an adapter budget) |
| `kv_hit_cubes`, `kv_miss_cubes`, `kv_hit_rate_cubes` | retrieved memories of the window resident (and not) |
| `kv_hit_tokens`, `kv_miss_tokens`, `kv_hit_rate_tokens` | the same in tokens; a rate is None if none retrieved |
| `promotions`, `evictions`, `prefill_tokens`, `prefill_s`, `pieces_loaded` | the tick's own work |
| `tick_s` | seconds the tick took (apart from answering) |
| `answer_s_mean`, `ttft_s_mean` | mean answer and first-token seconds of the window's queries (None when not timed) |

Queries after the last tick (fewer than `interval`) belong to no row.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class TickReport:
    """What one tick did."""

    seconds: float = 0.0
    promotions: int = 0
    evictions: int = 0
    prefill_tokens: int = 0
    prefill_s: float = 0.0
    pieces_loaded: int = 0

    def add(self, other: TickReport) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Window:
    """The queries answered since the last tick."""

    queries: int = 0
    hit_cubes: int = 0
    retrieved_cubes: int = 0
    hit_tokens: int = 0
    retrieved_tokens: int = 0
    timed: int = 0  # queries whose latencies were given
    answer_s: float = 0.0
    ttft_s: float = 0.0


class TickSeries:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.window = Window()
        self.queries = 0

    def observe(self, hits: tuple[int, int], retrieved: tuple[int, int], answer_s: float | None = None,
                ttft_s: float | None = None) -> None:
        """One answered query: (cubes, tokens) hit and retrieved, and its latencies when measured."""
        w = self.window
        w.queries, self.queries = w.queries + 1, self.queries + 1
        w.hit_cubes, w.hit_tokens = w.hit_cubes + hits[0], w.hit_tokens + hits[1]
        w.retrieved_cubes, w.retrieved_tokens = w.retrieved_cubes + retrieved[0], w.retrieved_tokens + retrieved[1]
        if answer_s is not None:
            w.timed, w.answer_s, w.ttft_s = w.timed + 1, w.answer_s + answer_s, w.ttft_s + (ttft_s or 0.0)

    def close(self, report: TickReport, resident_tokens: int, bytes_per_token: int,
              adapters_loaded: int | None) -> dict[str, Any]:
        """The tick's row, from its report, the resident set after it and the window; opens a new window."""
        w, self.window = self.window, Window()
        work = asdict(report)
        row = {
            "tick": len(self.rows) + 1,
            "queries": self.queries,
            "kv_resident_tokens": resident_tokens,
            "kv_resident_bytes": resident_tokens * bytes_per_token,
            "adapters_loaded": adapters_loaded,
            **_hits("cubes", w.hit_cubes, w.retrieved_cubes),
            **_hits("tokens", w.hit_tokens, w.retrieved_tokens),
            "tick_s": work.pop("seconds"),
            **work,
            "answer_s_mean": w.answer_s / w.timed if w.timed else None,
            "ttft_s_mean": w.ttft_s / w.timed if w.timed else None,
        }
        self.rows.append(row)
        return row


def _hits(unit: str, hits: int, retrieved: int) -> dict[str, Any]:
    return {f"kv_hit_{unit}": hits, f"kv_miss_{unit}": retrieved - hits,
            f"kv_hit_rate_{unit}": hits / retrieved if retrieved else None}

"""Per-tier accounting of one `tier=all` answer: which tier served each retrieved memory, and what each cost."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from memos_lab.cube import MemCube
from memos_lab.tiers.base import Response

ACTIVATION, PARAMETER, PLAINTEXT = "activation", "parameter", "plaintext"


def served_by(retrieved: Sequence[MemCube], resident: frozenset[str], distilled: frozenset[str]) -> dict[str, str]:
    """Retrieved cube id -> the tier that served it: the KV prefix first, then the adapter, else prompt text."""
    return {c.id: ACTIVATION if c.id in resident else PARAMETER if c.id in distilled else PLAINTEXT
            for c in retrieved}


def tier_accounting(response: Response, served: Mapping[str, str], adapter: str | None, adapter_bytes: int,
                    adapter_s: float) -> dict[str, Any]:
    """The record's per-tier fields (tokens, bytes, seconds, the evidence each tier served)."""
    extra = [cube_id for cube_id, tier in served.items() if tier == PLAINTEXT]
    reused = int(response.extras.get("reused_tokens", 0))
    return {
        "adapter": adapter,
        "adapter_bytes": adapter_bytes,
        "adapter_s": adapter_s,
        "retrieved_extra": extra,
        "served_by": dict(served),
        "tier_tokens": {"kv_reused": reused, "prefilled": response.prompt_tokens - reused},
        "tier_bytes": {ACTIVATION: int(response.extras.get("kv_bytes", 0)), PARAMETER: adapter_bytes},
        "tier_s": {PARAMETER: adapter_s, "generate": response.total_s},
    }

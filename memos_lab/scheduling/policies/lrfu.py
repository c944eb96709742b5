"""LRFU: the spectrum between LRU and LFU (Lee, Choi, Kim, Noh, Min, Cho, Kim,
"LRFU: a spectrum of policies that subsumes the least recently used and least
frequently used policies", IEEE Trans. Computers 50(12), 2001).

Each resident key has a Combined Recency and Frequency value
CRF(now) = sum over its past references t of F(now - t), with F(x) = (1/2)^(lam*x);
the victim is the key with the smallest CRF(now), ties to the least recently used.
lam = 0 gives F = 1, CRF = reference count: LFU. lam = 1 gives F(x) = 2^-x, where
one reference outweighs all older ones together: LRU. Because F(a + b) = F(a) F(b),
CRF is updated in O(1) on a reference: CRF := F(0) + F(now - last) * CRF.
References are counted from admission (the paper's in-cache variant), as in our LFU.
"""

from __future__ import annotations

from dataclasses import dataclass

from memos_lab.scheduling.policies.base import Policy
from memos_lab.scheduling.stats import CubeStats


@dataclass
class LRFUConfig:
    _target_: str = "memos_lab.scheduling.policies.lrfu.LRFU"
    _partial_: bool = True
    lam: float = 0.5  # decay of F(x) = (1/2)^(lam*x): 0 = LFU, 1 = LRU, between = both

    def __post_init__(self) -> None:
        if not 0.0 <= self.lam <= 1.0:
            raise ValueError(f"policy.lam={self.lam} must be in [0, 1]")


class LRFU(Policy):
    name = "lrfu"

    def __init__(self, capacity: int, lam: float = 0.5) -> None:
        super().__init__(capacity)
        LRFUConfig(lam=lam)  # value checks
        self.lam = lam
        self._crf: dict[str, float] = {}  # resident key -> CRF at its latest reference
        self._last: dict[str, int] = {}  # resident key -> clock of its latest reference

    def _decay(self, elapsed: int) -> float:
        return 0.5 ** (self.lam * elapsed)

    def crf(self, key: str, now: int) -> float:
        return self._decay(now - self._last[key]) * self._crf[key]

    def on_admit(self, key: str, stats: CubeStats, now: int) -> None:
        self._crf[key], self._last[key] = 1.0, now

    def on_hit(self, key: str, stats: CubeStats, now: int) -> None:
        self._crf[key], self._last[key] = 1.0 + self.crf(key, now), now

    def on_evict(self, key: str, now: int, by_policy: bool) -> None:
        del self._crf[key], self._last[key]

    def victim(self, now: int) -> str:
        return min(self._crf, key=lambda key: (self.crf(key, now), self._last[key]))

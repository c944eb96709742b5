"""Optional cross-encoder reranking of the fused candidates (off by default).

`rerank_model` names a sentence-transformers CrossEncoder; it is loaded when
the retriever is built, so a configured but unavailable model fails at
start-up with a message naming `memory.retrieval.rerank_model`.
"""

from __future__ import annotations

from collections.abc import Sequence

from memos_lab.models.base import ModelNotAvailableError
from memos_lab.tiers.plaintext.config import PREFIX


class CrossEncoderReranker:
    def __init__(self, model: str, device: str | None = None) -> None:
        try:
            from sentence_transformers import CrossEncoder

            self.model = CrossEncoder(model, device=device)
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelNotAvailableError(
                f"{PREFIX}.rerank_model={model!r}: cannot load this CrossEncoder ({type(exc).__name__}: {exc}). "
                f"Set {PREFIX}.rerank_model=null to retrieve without reranking, or make the model reachable "
                "(a local folder, or a Hugging Face id with the hub online)."
            ) from exc
        self.name = model

    def scores(self, query: str, texts: Sequence[str]) -> list[float]:
        if not texts:
            return []
        return [float(s) for s in self.model.predict([(query, t) for t in texts], show_progress_bar=False)]

"""Runs a memory system over a dataset's conversations and scores every answer."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from evals.locomo.loader import Conversation, Question
from evals.locomo.scoring import bleu1, evidence_recall, score_answer
from evals.records import RecordsFile
from evals.systems.base import MemorySystem, SystemAnswer

RECALL_KS = (5, 10)


def evaluate(system: MemorySystem, conversations: Sequence[Conversation], run_dir: Path) -> list[dict[str, Any]]:
    """Answer every question, appending a scored record per question to
    `run_dir/records.jsonl`; questions already recorded there are skipped."""
    records = RecordsFile(run_dir / "records.jsonl")
    records.drop_torn_tail()
    done = records.done_ids()
    total = sum(len(c.questions) for c in conversations)
    with tqdm(total=total, initial=len(done), desc=f"{system.name}", unit="q") as progress:
        for conversation in conversations:
            pending = [q for q in conversation.questions if q.qid not in done]
            if not pending:
                continue
            progress.set_postfix_str(f"ingest {conversation.sample_id}")
            built = {"conversation": conversation.sample_id, "ingest_s": _timed_ingest(system, conversation)}
            system.plan(pending)
            progress.set_postfix_str(f"conv {conversation.sample_id}")
            for question in pending:
                records.append(score_record(question, system.answer(question)) | built)
                progress.update()
    return list(records)


def _timed_ingest(system: MemorySystem, conversation: Conversation) -> float:
    """Seconds to build the memory of a conversation: indexing, KV prefill or adapter training, by system."""
    start = time.perf_counter()
    system.ingest(conversation)
    return time.perf_counter() - start


def first_line(text: str) -> str:
    """The answer a short-answer prompt asks for: the first non-empty line."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def score_record(question: Question, answer: SystemAnswer) -> dict[str, Any]:
    record = {
        "qid": question.qid,
        "category": question.category,
        "question": question.question,
        "gold": question.answer,
        "output": answer.text,
        "prediction": (prediction := first_line(answer.text)),
        "f1": score_answer(prediction, question.answer, question.category),
        "bleu1": bleu1(prediction, question.answer),
        "evidence": list(question.evidence),
        "retrieved_refs": list(answer.retrieved_refs),
        "retrieved_ids": list(answer.retrieved_ids),
        "prompt_tokens": answer.prompt_tokens,
        "search_ms": 1000 * answer.search_s,
        "answer_ms": 1000 * answer.answer_s,
        "ttft_ms": 1000 * answer.ttft_s,
        **answer.extras,
    }
    for k in RECALL_KS:
        # None only when the system did not search (closed-book, baselines); an empty search found nothing: 0.
        recall = evidence_recall(question.evidence, answer.retrieved_refs, k) if answer.searched else None
        record[f"evidence_recall@{k}"] = recall
    return record

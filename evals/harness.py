"""Runs a memory system over a dataset's episodes and scores every answer by the dataset's scorer."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from evals.datasets.base import Dataset
from evals.datasets.episode import Episode, Question
from evals.records import RecordsFile
from evals.systems.base import MemorySystem, SystemAnswer


def evaluate(
    system: MemorySystem, dataset: Dataset, episodes: Sequence[Episode], run_dir: Path
) -> list[dict[str, Any]]:
    """Answer every question, appending a scored record per question to
    `run_dir/records.jsonl`; questions already recorded there are skipped."""
    records = RecordsFile(run_dir / "records.jsonl")
    records.drop_torn_tail()
    done = records.done_ids()
    total = sum(len(e.questions) for e in episodes)
    with tqdm(total=total, initial=len(done), desc=f"{system.name}", unit="q") as progress:
        for episode in episodes:
            pending = [q for q in episode.questions if q.qid not in done]
            if not pending:  # answered before a resume: its memory still counts in the run's costs
                system.restore(episode)
                continue
            progress.set_postfix_str(f"ingest {episode.episode_id}")
            built = {"episode": episode.episode_id, "ingest_s": _timed_ingest(system, episode)}
            system.plan(pending)
            progress.set_postfix_str(f"episode {episode.episode_id}")
            for question in pending:
                records.append(score_record(dataset, question, system.answer(question)) | built)
                progress.update()
    return list(records)


def _timed_ingest(system: MemorySystem, episode: Episode) -> float:
    """Seconds to build the memory of an episode: indexing, KV prefill or adapter training, by system."""
    start = time.perf_counter()
    system.ingest(episode)
    return time.perf_counter() - start


def score_record(dataset: Dataset, question: Question, answer: SystemAnswer) -> dict[str, Any]:
    prediction = dataset.prediction(question, answer.text)
    return {
        "qid": question.qid,
        "dataset": dataset.name,
        "category": question.category,
        "question": question.question,
        "gold": question.answer,
        **({"golds": list(question.answers)} if len(question.answers) > 1 else {}),
        **({"asked_at": question.asked_at} if question.asked_at else {}),
        **dataset.annotate(question),
        "output": answer.text,
        "prediction": prediction,
        **dataset.score(question, prediction),
        "evidence": list(question.evidence),
        "retrieved_refs": list(answer.retrieved_refs),
        "retrieved_ids": list(answer.retrieved_ids),
        "prompt_tokens": answer.prompt_tokens,
        "search_ms": 1000 * answer.search_s,
        "answer_ms": 1000 * answer.answer_s,
        "ttft_ms": 1000 * answer.ttft_s,
        **answer.extras,
        **dataset.retrieval_scores(question, answer.retrieved_refs, answer.searched),
    }

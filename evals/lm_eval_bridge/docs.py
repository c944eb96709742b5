"""The questions of a dataset's episodes as lm-eval docs, and back.

A doc names its dataset and episode (the LoCoMo conversation, the LongBench
`_id`) and carries the question whole (qid, text, gold answers, category,
evidence, date, meta as JSON), so the memos model knows which memory to
answer from and process_results can score by the dataset's own scorer.

The task YAMLs load docs with `custom_dataset: !function
evals.lm_eval_bridge.docs.<dataset>_docs`. lm-eval calls it with the task's
metadata, which holds the `--model_args`: the docs are the questions the
model's own config selects (`dataset.sample_ids`, `question_sample`, ...), the
same questions `python run.py` with those overrides answers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from evals.datasets.episode import Episode, Question
from evals.lm_eval_bridge.config import config_overrides, dataset_node

SPLIT = "test"


def locomo_docs(**metadata: Any):
    """LoCoMo's selected questions (conf/dataset/locomo.yaml and the model_args' `dataset.*` overrides)."""
    return docs_split("locomo", config_overrides(metadata))


def longbench_docs(task: str, **metadata: Any):
    """One LongBench task's samples (conf/dataset/longbench.yaml and the model_args' overrides)."""
    return docs_split("longbench", config_overrides(metadata), [f"dataset.tasks=[{task}]"])


def docs_split(name: str, overrides: Sequence[str], extra: Sequence[str] = ()):
    """{"test": the docs of dataset `name` under `overrides` (and the task's `extra`)} as a datasets.Dataset."""
    from datasets import Dataset as HFDataset
    from hydra.utils import instantiate

    episodes = instantiate(dataset_node(name, overrides, extra)).load()
    return {SPLIT: HFDataset.from_list([doc for episode in episodes for doc in episode_docs(episode)])}


def episode_docs(episode: Episode) -> list[dict[str, Any]]:
    return [question_doc(episode, question) for question in episode.questions]


def question_doc(episode: Episode, question: Question) -> dict[str, Any]:
    return {
        "dataset": episode.dataset,
        "episode_id": episode.episode_id,
        "qid": question.qid,
        "input": question.for_model(),
        "question": question.question,
        "answers": list(question.answers),
        "category": str(question.category),
        "evidence": list(question.evidence),
        "asked_at": question.asked_at,
        "meta": json.dumps(question.meta),
    }


def doc_question(doc: Mapping[str, Any]) -> Question:
    """The question a doc carries (its category typed back: LoCoMo's are numbers)."""
    category = doc["category"]
    return Question(doc["qid"], doc["question"], tuple(doc["answers"]),
                    int(category) if category.isdigit() else category,
                    tuple(doc["evidence"]), doc["asked_at"], meta=json.loads(doc["meta"]))


def doc_episode(doc: Mapping[str, Any]) -> tuple[str, str]:
    """(dataset name, episode id) a doc asks about; an error naming the tasks that have them otherwise."""
    if "episode_id" not in doc or "dataset" not in doc:
        raise ValueError("the memos model answers from an episode's memory: only tasks whose docs name their "
                         "dataset and episode_id (locomo_qa, longbench_local_*; evals/lm_eval_bridge/tasks) can use it")
    return doc["dataset"], str(doc["episode_id"])

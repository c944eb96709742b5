"""Episodes' questions as lm-eval docs and back, scored by the dataset's own scorer."""

from __future__ import annotations

import pytest

from evals.datasets.locomo import LocomoDataset
from evals.datasets.longbench.dataset import LongBenchDataset
from evals.lm_eval_bridge.docs import doc_episode, doc_question, episode_docs, locomo_docs
from evals.lm_eval_bridge.scoring import process_results


@pytest.fixture(scope="module")
def locomo_episode():
    return LocomoDataset(sample_ids=["26"], categories=[1, 2, 3, 4, 5]).load()[0]


@pytest.fixture(scope="module")
def longbench_episode():
    return LongBenchDataset(tasks=["hotpotqa"], max_samples=1).load()[0]


def test_a_doc_carries_its_question_whole(locomo_episode, longbench_episode):
    for episode in (locomo_episode, longbench_episode):
        docs = episode_docs(episode)
        assert [doc_question(d) for d in docs] == list(episode.questions)
        assert {doc_episode(d) for d in docs} == {(episode.dataset, episode.episode_id)}
    assert doc_question(episode_docs(longbench_episode)[0]).meta["length"] > 0


def test_locomo_docs_are_the_questions_the_config_selects():
    docs = locomo_docs(**{"dataset.sample_ids": [26], "dataset.question_sample": 5, "version": 1.0})["test"]
    expected = LocomoDataset(sample_ids=["26"], question_sample=5).load()[0].questions
    assert [d["qid"] for d in docs] == [q.qid for q in expected]


def test_process_results_scores_by_the_dataset_scorer_on_the_first_line(locomo_episode):
    doc = next(d for d in episode_docs(locomo_episode) if d["category"] == "4")
    perfect = process_results(doc, [f"{doc['answers'][0]}\nand more words"])
    assert perfect == {"f1": 1.0, "bleu1": pytest.approx(1.0), "rouge_l": pytest.approx(1.0)}
    assert process_results(doc, ["zzz"])["f1"] == 0.0


def test_adversarial_questions_score_by_locomos_category_5_rule(locomo_episode):
    doc = next(d for d in episode_docs(locomo_episode) if d["category"] == "5")
    assert process_results(doc, ["Not mentioned in the conversation."])["f1"] == 1.0


def test_longbench_docs_score_by_the_tasks_metric(longbench_episode):
    doc = episode_docs(longbench_episode)[0]
    assert process_results(doc, [doc["answers"][0]]) == {"score": 1.0}


def test_a_doc_without_an_episode_is_refused_naming_the_tasks_that_have_one():
    with pytest.raises(ValueError, match="locomo_qa, longbench_local_"):
        doc_episode({"question": "What is 2+2?"})

"""The judge prompts: the published texts, chosen per dataset and question type; a text change bumps the version."""

import hashlib

import pytest
from run_dir_builder import LOCOMO_RECORDS, LONGMEMEVAL_RECORDS

from evals.judges import prompts
from evals.judges.prompts import JSON_LABEL, YES_NO, NoJudgePromptError, is_judged, judge_prompt

# sha256 of each template at PROMPT_VERSION 1: editing a text without bumping the version fails here.
PINNED = {1: "e9d54636"}


def _templates_digest() -> str:
    texts = [prompts.LOCOMO_ACCURACY, prompts.LONGMEMEVAL_ABSTENTION, *sorted(prompts.LONGMEMEVAL.items())]
    return hashlib.sha256(repr(texts).encode()).hexdigest()[:8]


def test_the_texts_are_pinned_to_the_prompt_version():
    assert PINNED[prompts.PROMPT_VERSION] == _templates_digest(), "prompt text changed: bump PROMPT_VERSION"


def test_locomo_questions_get_mem0s_accuracy_prompt_with_their_fields():
    prompt = judge_prompt("locomo", LOCOMO_RECORDS[0])
    assert prompt.reply_format == JSON_LABEL and prompt.name == "locomo"
    assert "Question: When did Caroline go to the LGBTQ support group?\nGold answer: 7 May 2023\n" in prompt.text
    assert "Generated answer: Caroline went to the LGBTQ support group on 7 May 2023." in prompt.text
    assert 'in a json format with the key as "label"' in prompt.text


def test_locomo_category_5_is_not_judged_as_in_mem0_and_memos():
    assert [is_judged("locomo", r) for r in LOCOMO_RECORDS] == [True, True, True, False]
    assert all(is_judged("longmemeval", r) for r in LONGMEMEVAL_RECORDS)


def test_longmemeval_questions_get_their_types_prompt_and_abstention_by_qid():
    temporal, update, abstention = (judge_prompt("longmemeval", r) for r in LONGMEMEVAL_RECORDS)
    assert temporal.name == "longmemeval/temporal-reasoning" and "off-by-one" in temporal.text
    assert update.name == "longmemeval/knowledge-update" and "updated answer" in update.text
    assert abstention.name == "longmemeval/abstention" and "unanswerable" in abstention.text
    assert {temporal.reply_format, update.reply_format, abstention.reply_format} == {YES_NO}
    assert "Correct Answer: 18 days\n\nModel Response: 19 days passed" in temporal.text


def test_preference_questions_are_judged_against_a_rubric():
    record = dict(LONGMEMEVAL_RECORDS[0], category="single-session-preference", gold="suggests a quiet hotel")
    assert "Rubric: suggests a quiet hotel" in judge_prompt("longmemeval", record).text


@pytest.mark.parametrize("dataset, category, message", [
    ("longmemeval", "multi-hop", "no judge prompt for question type 'multi-hop'"),
    ("longbench", 1, "no published judge prompt for dataset 'longbench'"),
])  # fmt: skip
def test_questions_without_a_published_prompt_are_a_clear_error(dataset, category, message):
    with pytest.raises(NoJudgePromptError, match=message):
        judge_prompt(dataset, dict(LONGMEMEVAL_RECORDS[0], category=category))

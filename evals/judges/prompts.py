"""The published judge prompts, as data: which prompt judges which question.

Texts are verbatim (curly quotes and the leading newline included) so a
prompt's sha256 is the one the published evaluations send; only their
positional `{}` fields are named here. Bump `PROMPT_VERSION` on any change to
a text or to the choice of prompt: judgements are cached and resumed by the
prompt's hash, and judge_metrics.json records the version.

- LoCoMo: ACCURACY_PROMPT of mem0ai/mem0 `evaluation/metrics/llm_judge.py`
  (the one MemTensor/MemOS `evaluation/scripts/locomo/locomo_eval.py` also
  sends to GPT-4o-mini): generous on paraphrase and date format, answered as
  JSON {"label": "CORRECT" | "WRONG"}. Category 5 (adversarial) is not judged,
  as in both.
- LongMemEval: `get_anscheck_prompt` of xiaowu0162/LongMemEval
  `src/evaluation/evaluate_qa.py`, one template per question_type and one for
  abstention questions (question ids containing `_abs`), answered yes/no.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evals.errors import UserError

PROMPT_VERSION = 1
JSON_LABEL, YES_NO = "json_label", "yes_no"  # how a judge's reply is read (labels.py)


class NoJudgePromptError(UserError):
    """A question that no published judge prompt covers (a dataset or question type without one)."""


@dataclass(frozen=True)
class JudgePrompt:
    text: str
    reply_format: str  # JSON_LABEL or YES_NO
    name: str  # which template: "locomo", "longmemeval/temporal-reasoning", ...

    @property
    def dataset(self) -> str:
        return self.name.split("/", 1)[0]


LOCOMO_ACCURACY = """
Your task is to label an answer to a question as ’CORRECT’ or ’WRONG’. You will be given the following data:
    (1) a question (posed by one user to another user), 
    (2) a ’gold’ (ground truth) answer, 
    (3) a generated answer
which you will score as CORRECT/WRONG.

The point of the question is to ask about something one user should know about the other user based on their prior conversations.
The gold answer will usually be a concise and short answer that includes the referenced topic, for example:
Question: Do you remember what I got the last time I went to Hawaii?
Gold answer: A shell necklace
The generated answer might be much longer, but you should be generous with your grading - as long as it touches on the same topic as the gold answer, it should be counted as CORRECT. 

For time related questions, the gold answer will be a specific date, month, year, etc. The generated answer might be much longer or use relative time references (like "last Tuesday" or "next month"), but you should be generous with your grading - as long as it refers to the same date or time period as the gold answer, it should be counted as CORRECT. Even if the format differs (e.g., "May 7th" vs "7 May"), consider it CORRECT if it's the same date.

Now it's time for the real question:
Question: {question}
Gold answer: {gold}
Generated answer: {prediction}

First, provide a short (one sentence) explanation of your reasoning, then finish with CORRECT or WRONG. 
Do NOT include both CORRECT and WRONG in your response, or it will break the evaluation script.

Just return the label CORRECT or WRONG in a json format with the key as "label".
"""  # noqa: E501 (verbatim)
LOCOMO_UNJUDGED_CATEGORIES = (5,)

_CONTAINS = ("I will give you a question, a correct answer, and a response from a model. Please answer yes if the "
             "response contains the correct answer. Otherwise, answer no.")
_STEPS = (" If the response is equivalent to the correct answer or contains all the intermediate steps to get the "
          "correct answer, you should also answer yes. If the response only contains a subset of the information "
          "required by the answer, answer no.")
_FIELDS = "\n\nQuestion: {question}\n\nCorrect Answer: {gold}\n\nModel Response: {prediction}\n\n"
_ASK = "Is the model response correct? Answer yes or no only."
_PLAIN = _CONTAINS + _STEPS + " " + _FIELDS + _ASK
LONGMEMEVAL = {
    "single-session-user": _PLAIN,
    "single-session-assistant": _PLAIN,
    "multi-session": _PLAIN,
    "temporal-reasoning": _CONTAINS + _STEPS + " In addition, do not penalize off-by-one errors for the number of "
    "days. If the question asks for the number of days/weeks/months, etc., and the model makes off-by-one errors "
    "(e.g., predicting 19 days when the answer is 18), the model's response is still correct. " + _FIELDS + _ASK,
    "knowledge-update": _CONTAINS + " If the response contains some previous information along with an updated "
    "answer, the response should be considered as correct as long as the updated answer is the required answer."
    + _FIELDS + _ASK,
    "single-session-preference": "I will give you a question, a rubric for desired personalized response, and a "
    "response from a model. Please answer yes if the response satisfies the desired response. Otherwise, answer "
    "no. The model does not need to reflect all the points in the rubric. The response is correct as long as it "
    "recalls and utilizes the user's personal information correctly.\n\nQuestion: {question}\n\nRubric: {gold}\n\n"
    "Model Response: {prediction}\n\n" + _ASK,
}
LONGMEMEVAL_ABSTENTION = (
    "I will give you an unanswerable question, an explanation, and a response from a model. Please answer yes if "
    "the model correctly identifies the question as unanswerable. The model could say that the information is "
    "incomplete, or some other information is given but the asked information is not.\n\nQuestion: {question}\n\n"
    "Explanation: {gold}\n\nModel Response: {prediction}\n\nDoes the model correctly identify the question as "
    "unanswerable? Answer yes or no only."
)


def is_judged(dataset: str, record: Mapping[str, Any]) -> bool:
    """Whether the published protocol judges this question (LoCoMo leaves category 5 out)."""
    return not (dataset == "locomo" and _category_number(record) in LOCOMO_UNJUDGED_CATEGORIES)


def judge_prompt(dataset: str, record: Mapping[str, Any]) -> JudgePrompt:
    """The prompt that judges `record` (fields question, gold, prediction, category, qid) of `dataset`."""
    fields = {"question": record["question"], "gold": record["gold"], "prediction": record["prediction"]}
    if dataset == "locomo":
        return JudgePrompt(LOCOMO_ACCURACY.format(**fields), JSON_LABEL, "locomo")
    if dataset == "longmemeval":
        if "_abs" in str(record["qid"]):  # as evaluate_qa.py tells abstention questions
            return JudgePrompt(LONGMEMEVAL_ABSTENTION.format(**fields), YES_NO, "longmemeval/abstention")
        template = LONGMEMEVAL.get(str(record["category"]))
        if template is None:
            raise NoJudgePromptError(f"question {record['qid']}: LongMemEval has no judge prompt for question type "
                                     f"{record['category']!r} (known: {', '.join(LONGMEMEVAL)})")
        return JudgePrompt(template.format(**fields), YES_NO, f"longmemeval/{record['category']}")
    raise NoJudgePromptError(f"no published judge prompt for dataset {dataset!r}: judges cover locomo and longmemeval")


def _category_number(record: Mapping[str, Any]) -> int | None:
    try:
        return int(record.get("category"))
    except (TypeError, ValueError):
        return None

"""PrefEval's four-part preference-following judgement, as data for the judging stage.

Source: amazon-science/PrefEval (Zhao et al., ICLR 2025, "Do LLMs Recognize Your Preferences?"),
commit 50795054b5ff5f418d2b768a331d71e480f93331: the templates are error_type/check_*.txt verbatim
(trailing spaces included; sha256 checked by tests), the judge's system prompt, the order of the
checks and how their answers combine are generation_task/llm_based_evaluation_errortypes.py and
get_preference_following_accuracy_generation_task.py. The paper's judge is Claude 3 Sonnet on
Bedrock, temperature 0, 100 output tokens. The prompts are CC BY-NC 4.0, as the PrefEval repository.

For a run record: {preference} is the record's `gold` (PrefEval keeps the preference as the gold
answer), {question} its `question`, {end_generation} its `output` (the whole response, not the
first-line `prediction`). The "acknow" check runs first: its <preference> tag is the
{assistant_restatement} of the "hallucinate" check. Bump PROMPT_VERSION on any change to a text,
the fields or the combination rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PROMPT_VERSION = 1
SOURCE = "amazon-science/PrefEval@50795054b5ff5f418d2b768a331d71e480f93331 error_type/"
JUDGE_MODEL = "anthropic.claude-3-sonnet-20240229-v1:0"  # the paper's judge
JUDGE_MAX_TOKENS = 100
SYSTEM = ("You are a helpful assistant in evaluating an AI assistant's reponse. You should be fair and strict and "
          "follow the user's instruction")  # verbatim, typo included

VIOLATION = """You will analyze a conversation between a user and an assistant, focusing on whether the assistant's response violates the user's stated preference.
Evaluate the response based on these criteria:

Answer "Yes" if:

1. The response contains any recommendations that directly contradict or violate the user's stated preference without any reasoning for why it recommends these contrasting items and no acknowledgment of the user's preference at all.

Answer "No" if:

1. The response respects the user's stated preference.
2. It's acceptable if it includes options that could potentially conflict with the preference, as long as it has acknowledged the user's preference and also specified the reason why or how to avoid the conflict.
3. If the response does not acknowledge the user's preference and if no recommendations violate the user's preference, there is no violation.

Here is the conversation:
User's preference: {preference}
User query: {question}
Assistant response: {end_generation}

Examine the response meticulously and answer. Answer in this exact XML format:
<explanation>[1 very short sentence explanation]</explanation>
<answer>[Yes/No]</answer>"""  # noqa: E501, W291 (verbatim error_type/check_violation.txt)

ACKNOWLEDGE = """You will analyze a conversation between a user and an assistant, focusing on whether the assistant acknowledges any user preference in answering the user's query. 

Evaluate the response based on these stringent criteria:

1. Check if the response explicitly or implicitly mentions or references a user preference. 2. The content of the preference is irrelevant for this check; only its presence matters.

Answer "Yes" if:

1. The response explicitly mentions or refers to a user preference in answering the user's question. Examples include: "Based on your previous preference for xxxx"; "Based on your previous preference, I would suggest you xxxx"; "Since you mentioned you prefer/dislike xxxx"; "Since you are a xxxx"; "I will recommend the following given your preference for xxx", etc. You should extract the "xxxx" in your answer. If it only says "Based on our previous conversation, I recommend..." and does not explicitly mention any preference, you should answer 'No'. 
2. The response assumes the user preference in answering the user's question implicitly. For example, when the user asks 'Can you recommend me cars to drive?', if the response is 'Based on your preference, I will recommend non-EV cars, ...', then this indicates the assistant assumes that the user's preference is a dislike of EV cars, and you should answer 'Yes'.

Answer "No" if the response does not mention or refer to any user preference explicitly or implicitly. If you cannot extract the sentence stating what the preference is, answer 'No'.

Here is the assistant's response:
The user's question is: {question}
Assistant response: {end_generation}

Examine the response meticulously and answer. Please answer in this exact XML format without any additional text:
<preference>[quote of the sentence that acknowledges/mentions what the preference is; leave it blank if there is none]</preference>
<answer>[Yes/No]</answer>"""  # noqa: E501, W291 (verbatim error_type/check_acknowledge.txt)

HALLUCINATION = """You will analyze a conversation between a user and an assistant, focusing on whether the assistant's restatement of the user's stated preference is the same preference. Evaluate the response based on these stringent criteria to answer if the assistant has hallucinated the preference or not:

Answer "Yes" if:

1. The assistant's restatement differs from the original preference in meaning or intent.
2. The assistant's restatement contradicts the original preference.
3. The assistant's restatement is not related or irrelevant to the original preference.

Answer "No" if has not hallucinated:

1. The assistant's restatement matches the original preference.
2. The assistant's restatement is a minor paraphrase that fully preserves the meaning and intent of the original preference.
3. The restatement is just empty, no hallucination.

Here is the information: 
Original user preference: "{preference}" 
Assistant's restatement: "{assistant_restatement}" 
Examine the original preference and the assistant's restatement meticulously and answer. Please answer in this exact XML format without any other additional text: 
<explanation>[1 short sentence explanation]</explanation>
<answer>[Yes/No]</answer>
"""  # noqa: E501, W291 (verbatim error_type/check_hallucination.txt)

HELPFUL = """You will analyze a conversation between a user and an assistant, focusing on whether the assistant provides any substantive response to the user's query.
Evaluate the response based on these stringent criteria:

Answer "Yes" if any of the following:

1. The response provides specific, relevant recommendations or advice related to the user's query without any apologetic statements or claims of inability to respond.
2. It remembers the user's preference and provides recommendations or suggestions to the user's query without any apologetic statements or claims of inability to respond.

Answer "No" if any of the following:

1. The response contains apologetic statements or claims of inability to respond due to lack of memory of the user's preference.
2. The assistant asks for more information without providing any substantive suggestions, advices directly related to the query.
3. The response doesn't address the user's query.
4. Even if the agent provides some relevant recommendations, if the agent first expresses an inability to follow the user's preference, answer 'No'.

Examples of unhelpful responses: (Answer: No):

"Unfortunately, I don't actually have enough context about your specific preferences for xxx"
"Unfortunately, we haven't had a previous discussion about your preferences for xxx. Could you let me know your preference for xxx?"
"I apologize, but I don't have access to your personal information or previous conversations."
"I'm sorry, but I can't provide a specific answer without more details."

Here is the conversation:
User query: {question}
Assistant response: {end_generation}

Examine the response meticulously and answer. Answer in this exact XML format:
<explanation>[1 very short sentence explanation]</explanation>
<answer>[Yes/No]</answer>"""  # noqa: E501, W291 (verbatim error_type/check_helpful.txt)

# check -> (template, the placeholders it fills), in the order they are asked
CHECKS = {
    "acknow": (ACKNOWLEDGE, ("{question}", "{end_generation}")),
    "violate": (VIOLATION, ("{preference}", "{question}", "{end_generation}")),
    "hallucinate": (HALLUCINATION, ("{preference}", "{assistant_restatement}")),
    "helpful": (HELPFUL, ("{preference}", "{question}", "{end_generation}")),
}


def check_prompt(check: str, preference: str, question: str, response: str, restatement: str = "") -> str:
    """The prompt of one check, filled by plain replacement as upstream does (a response's braces stay as they are)."""
    template, placeholders = CHECKS[check]
    values = {"{preference}": preference, "{question}": question, "{end_generation}": response,
              "{assistant_restatement}": restatement}
    for placeholder in placeholders:
        template = template.replace(placeholder, values[placeholder])
    return template


def reply_tag(reply: str, tag: str) -> str:
    """The text of `<tag>...</tag>` in a judge's reply ("answer", "explanation", "preference"); "" if absent."""
    match = re.search(rf"<{tag}>(.*?)</{tag}>", reply, flags=re.DOTALL | re.IGNORECASE)
    return match.group(1).strip() if match else ""


def preference_following(answers: Mapping[str, str]) -> dict[str, bool]:
    """The error types and the verdict from the four checks' <answer> texts, keyed by check name.

    As upstream: a hallucination counts only when the preference was acknowledged; the response
    follows the preference unless it is unhelpful, or violates it while acknowledging it (inconsistent),
    while restating a different one (hallucinated), or without acknowledging any (preference-unaware).
    """
    def says(check: str, word: str) -> bool:
        return word in answers.get(check, "").lower()

    acknowledged, violated, unhelpful = says("acknow", "yes"), says("violate", "yes"), says("helpful", "no")
    hallucinated = acknowledged and says("hallucinate", "yes")
    inconsistent = acknowledged and not hallucinated and violated and not unhelpful
    hallucinated_violation = acknowledged and hallucinated and violated and not unhelpful
    unaware_violation = not acknowledged and violated and not unhelpful
    return {"acknowledged": acknowledged, "hallucinated": hallucinated, "violated": violated,
            "unhelpful": unhelpful, "inconsistent": inconsistent, "hallucinated_violation": hallucinated_violation,
            "unaware_violation": unaware_violation,
            "follows_preference": not (inconsistent or hallucinated_violation or unaware_violation or unhelpful)}

"""LongBench's English tasks: metric, answer-length limit and 0-shot prompt, as data.

From THUDM/LongBench (MIT): config/dataset2prompt.json, config/dataset2maxlen.json
and eval.py's dataset2metric. In a memory run the template's {context} is the
memory, so the text around it becomes the system instruction (`instruction`)
and the question follows as "Question: {input}".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_QUESTION_LABEL = re.compile(r"(Question|Query):\s*$")
_ANSWER_LABEL = re.compile(r"(Answer|Summary|Next line of code):\s*$")


@dataclass(frozen=True)
class Task:
    metric: str
    max_new_tokens: int
    template: str  # LongBench's prompt with {context} and {input}

    @property
    def instruction(self) -> str:
        """The template's words around {context} and {input}, without the labels that introduce them."""
        head, _, rest = self.template.partition("{context}")
        middle, _, after = rest.partition("{input}")
        parts = (head, _ANSWER_LABEL.sub("", _QUESTION_LABEL.sub("", middle.strip()).strip()),
                 _ANSWER_LABEL.sub("", after.strip()))
        return "\n\n".join(part.strip() for part in parts if part.strip())


_PASSAGES = ("Answer the question based on the given passages. Only give me the answer and do not output any other "
             "words.\n\nThe following are given passages.\n{context}\n\nAnswer the question based on the given "
             "passages. Only give me the answer and do not output any other words.\n\nQuestion: {input}\nAnswer:")
_STORY_QA = ("You are given a story, which can be either a novel or a movie script, and a question. Answer the "
             "question as concisely as you can, using a single phrase if possible. Do not provide any explanation."
             "\n\nStory: {context}\n\nNow, answer the question based on the story as concisely as you can, using a "
             "single phrase if possible. Do not provide any explanation.\n\nQuestion: {input}\n\nAnswer:")
_QASPER = ("You are given a scientific article and a question. Answer the question as concisely as you can, using a "
           "single phrase or sentence if possible. If the question cannot be answered based on the information in "
           "the article, write \"unanswerable\". If the question is a yes/no question, answer \"yes\", \"no\", or "
           "\"unanswerable\". Do not provide any explanation.\n\nArticle: {context}\n\n Answer the question based on "
           "the above article as concisely as you can, using a single phrase or sentence if possible. If the "
           "question cannot be answered based on the information in the article, write \"unanswerable\". If the "
           "question is a yes/no question, answer \"yes\", \"no\", or \"unanswerable\". Do not provide any "
           "explanation.\n\nQuestion: {input}\n\nAnswer:")

TASKS: dict[str, Task] = {
    "narrativeqa": Task("qa_f1", 128, _STORY_QA),
    "qasper": Task("qa_f1", 128, _QASPER),
    "multifieldqa_en": Task("qa_f1", 64, "Read the following text and answer briefly.\n\n{context}\n\nNow, answer the "
                            "following question based on the above text, only give me the answer and do not output "
                            "any other words.\n\nQuestion: {input}\nAnswer:"),
    "hotpotqa": Task("qa_f1", 32, _PASSAGES),
    "2wikimqa": Task("qa_f1", 32, _PASSAGES),
    "musique": Task("qa_f1", 32, _PASSAGES),
    "gov_report": Task("rouge_l", 512, "You are given a report by a government agency. Write a one-page summary of "
                       "the report.\n\nReport:\n{context}\n\nNow, write a one-page summary of the report.\n\nSummary:"),
    "qmsum": Task("rouge_l", 512, "You are given a meeting transcript and a query containing a question or "
                  "instruction. Answer the query in one or more sentences.\n\nTranscript:\n{context}\n\nNow, answer "
                  "the query based on the above meeting transcript in one or more sentences.\n\nQuery: {input}\n"
                  "Answer:"),
    "multi_news": Task("rouge_l", 512, "You are given several news passages. Write a one-page summary of all news. "
                       "\n\nNews:\n{context}\n\nNow, write a one-page summary of all the news.\n\nSummary:"),
    "trec": Task("classification", 64, "Please determine the type of the question below. Here are some examples of "
                 "questions.\n\n{context}\n{input}"),
    "triviaqa": Task("qa_f1", 32, "Answer the question based on the given passage. Only give me the answer and do not "
                     "output any other words. The following are some examples.\n\n{context}\n\n{input}"),
    "samsum": Task("rouge_l", 128, "Summarize the dialogue into a few short sentences. The following are some "
                   "examples.\n\n{context}\n\n{input}"),
    "passage_count": Task("count", 32, "There are some paragraphs below sourced from Wikipedia. Some of them may be "
                          "duplicates. Please carefully read these paragraphs and determine how many unique "
                          "paragraphs there are after removing duplicates. In other words, how many non-repeating "
                          "paragraphs are there in total?\n\n{context}\n\nPlease enter the final count of unique "
                          "paragraphs after removing duplicates. The output format should only contain the number, "
                          "such as 1, 2, 3, and so on.\n\nThe final answer is: "),
    "passage_retrieval_en": Task("retrieval", 32, "Here are 30 paragraphs from Wikipedia, along with an abstract. "
                                 "Please determine which paragraph the abstract is from.\n\n{context}\n\nThe following "
                                 "is an abstract.\n\n{input}\n\nPlease enter the number of the paragraph that the "
                                 "abstract is from. The answer format must be like \"Paragraph 1\", \"Paragraph 2\", "
                                 "etc.\n\nThe answer is: "),
    "lcc": Task("code_similarity", 64, "Please complete the code given below. \n{context}Next line of code:\n"),
    "repobench-p": Task("code_similarity", 64, "Please complete the code given below. \n{context}{input}Next line of "
                        "code:\n"),
}
SUMMARY_TASKS = frozenset(name for name, task in TASKS.items() if task.metric == "rouge_l" and name != "samsum")


def task(name: str) -> Task:
    """The task named by a record's `dataset` field; a clear error for tasks this port does not score."""
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"LongBench task {name!r} is not supported (English tasks: {', '.join(sorted(TASKS))}; "
                         "the Chinese tasks need jieba segmentation)") from None

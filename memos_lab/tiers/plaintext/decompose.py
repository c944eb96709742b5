"""Rule-based query decomposition for multi-hop questions.

A multi-hop question needs several memories that no single phrasing finds
together. Without an LLM, three rules split a question into sub-queries,
each searched on its own and fused with the question (`decompose_weight`):
- two named people joined by "and" ("What have Caroline and Melanie both
  painted?") -> one question per person;
- clauses joined by "and"/"or"/"as well as"/"," that each have a content
  word of their own -> one sub-query per clause;
- the question's content words without the asked-about person's name and the
  question words ("What activities does Melanie partake in?" -> "activities
  partake"), so memories from any speaker about the topic can rank.
A question with nothing to split yields no sub-queries (search is unchanged).
"""

from __future__ import annotations

import re

_NAME = r"[A-Z][a-z]+(?:'s)?"
_NAMES_AND = re.compile(r"\b(" + _NAME + r")\s+and\s+(" + _NAME + r")\b")
_CLAUSE_SPLIT = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|\band\b|\bor\b|\bas well as\b)\s*")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_QUESTION_WORDS = frozenset(
    "what when where which who whom whose why how would could should does did do is are was were has have had "
    "will can might may the a an of in on at to for with from by about as and or but both any some many much "
    "kind kinds type types sort thing things likely still ever been be being her his their its she he they "
    "them it this that these those there one ones".split()
)
_MIN_CONTENT = 1


def _content(words: str) -> list[str]:
    return [w for w in _WORD.findall(words) if w.lower() not in _QUESTION_WORDS]


def sub_queries(question: str) -> list[str]:
    """Sub-queries of `question` by the rules above, in order, without repeats or the question itself."""
    found: list[str] = []
    if m := _NAMES_AND.search(question):
        for keep in (m.group(1), m.group(2)):
            found.append(question[: m.start()] + keep + question[m.end() :])
    else:
        clauses = [c for c in _CLAUSE_SPLIT.split(question.rstrip("?. ")) if c]
        if len(clauses) > 1 and all(len(_content(c)) >= _MIN_CONTENT for c in clauses):
            found.extend(clauses)
    names = set(re.findall(r"\b[A-Z][a-z]+\b", question[1:]))
    topic = [w for w in _content(question) if w.removesuffix("'s") not in names]
    if topic and len(topic) < len(_content(question)):
        found.append(" ".join(topic))
    out = list(dict.fromkeys(q.strip() for q in found if q.strip() and q.strip() != question.strip()))
    return out

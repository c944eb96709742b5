"""Time-aware retrieval: questions about "when", or naming a time, weigh dates.

A question is *temporal* when it asks when something happened ("When did...",
"What year...", "How long ago...") or names a time ("in May 2023", "last
year"). Then memories score by time:
- a named time (a year, a month with or without a year, or "last/this
  year/month/week" relative to the namespace's latest date) scores the
  memories whose session date falls in it;
- a "when" question scores the memories whose words carry a time expression
  ("yesterday", "last week", "in 2022", a month, a weekday), since that is
  where the answer's date is said.
The scores rank the fused candidates once more; that list joins the fusion
with `time_weight`, so time only reorders what the question already found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}
_MONTH = r"(january|february|march|april|may|june|july|august|september|october|november|december)"
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(\d{4})\b", re.I)
_MONTH_DAY_YEAR = re.compile(r"\b" + _MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.I)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_MONTH_ONLY = re.compile(r"\b" + _MONTH + r"(?:\s+(\d{4}))?\b", re.I)
_RELATIVE = re.compile(r"\b(last|this|previous|past)\s+(year|month|week)\b", re.I)
_WHEN = re.compile(
    r"^\s*(when\b|what (year|month|date|day|time)\b|which (year|month|day)\b|how long ago\b|since when\b)"
    r"|\b(what|which) (year|month|date|day)\b|\bhow long (ago|has|have|did)\b",
    re.I,
)
_TIME_WORDS = re.compile(
    r"\b(yesterday|today|tonight|tomorrow|ago|last|next|recently|weekend|week|month|year|since|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"january|february|march|april|june|july|august|september|october|november|december|"
    r"19\d\d|20\d\d)\b",
    re.I,
)


def parse_date(text: str) -> date | None:
    """The first full date in `text` ("1:56 pm on 8 May, 2023", "May 8, 2023", "2023-05-08")."""
    if m := _DAY_MONTH_YEAR.search(text):
        return _safe(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))
    if m := _MONTH_DAY_YEAR.search(text):
        return _safe(int(m.group(3)), MONTHS[m.group(1).lower()], int(m.group(2)))
    if m := _ISO.search(text):
        return _safe(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return None


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


@dataclass(frozen=True)
class TimeQuery:
    """What a question says about time: whether it asks "when", and any time span it names."""

    asks_when: bool
    spans: tuple[tuple[date, date], ...]  # inclusive [start, end] ranges named by the question
    months: tuple[int, ...]  # months named without a year (any year matches)

    @property
    def temporal(self) -> bool:
        return self.asks_when or bool(self.spans) or bool(self.months)


def parse_query(question: str, now: date | None) -> TimeQuery:
    """`now` (the namespace's latest memory date) anchors "last year" and the like."""
    spans: list[tuple[date, date]] = []
    months: list[int] = []
    for m in _MONTH_ONLY.finditer(question):
        month = MONTHS[m.group(1).lower()]
        if m.group(1).lower() == "may" and not m.group(2) and not m.group(1)[0].isupper():
            continue  # the verb "may"
        if m.group(2):
            spans.append(_month_span(int(m.group(2)), month))
        else:
            months.append(month)
    named_years = {int(y) for y in _YEAR.findall(question)}
    month_years = {s[0].year for s in spans}
    spans.extend((date(y, 1, 1), date(y, 12, 31)) for y in sorted(named_years - month_years))
    if now is not None:
        for m in _RELATIVE.finditer(question):
            spans.append(_relative_span(m.group(1).lower(), m.group(2).lower(), now))
    return TimeQuery(bool(_WHEN.search(question)), tuple(spans), tuple(months))


def _month_span(year: int, month: int) -> tuple[date, date]:
    end = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return date(year, month, 1), end


def _relative_span(which: str, unit: str, now: date) -> tuple[date, date]:
    back = which != "this"
    if unit == "year":
        year = now.year - back
        return date(year, 1, 1), date(year, 12, 31)
    if unit == "month":
        first = now.replace(day=1)
        if back:
            first = (first - timedelta(days=1)).replace(day=1)
        return _month_span(first.year, first.month)
    start = now - timedelta(days=now.weekday() + 7 * back)
    return start, start + timedelta(days=6)


def time_score(query: TimeQuery, when: date | None, words: str) -> float:
    """How well one memory (its session date `when`, its `words`) fits the question's time."""
    score = 0.0
    if when is not None and any(start <= when <= end for start, end in query.spans):
        score += 1.0
    if when is not None and when.month in query.months:
        score += 1.0
    if query.asks_when and _TIME_WORDS.search(words):
        score += 1.0
    return score

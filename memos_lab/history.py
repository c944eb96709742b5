"""Memory as it stood on a day: serving version history at a date.

Fusion (text_merge) archives a superseded statement instead of deleting it,
and records on both cubes when each held: `valid_from` (the statement's date)
and, on the superseded one, `valid_until` (the date of the statement that
replaced it), as ISO dates in the header's meta. A question that names a day
("Where did Alice live on 14 April, 2023?") is then served the states valid
on that day: an archived statement whose interval holds the day comes back,
and the live statement that superseded it after the day steps aside. Cubes
fusion never touched carry no interval and are served as always, so without
fusion nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from memos_lab.cube import CubeHeader
from memos_lab.lifecycle import SERVED
from memos_lab.tiers.plaintext.dates import parse_date

VALID_FROM, VALID_UNTIL = "valid_from", "valid_until"


def day_named(question: str) -> date | None:
    """The full date a question asks about ("on 14 April, 2023", "2023-04-14"), if it names one."""
    return parse_date(question)


def validity(since: date | None, until: date | None = None) -> dict[str, str]:
    """The meta entries that say when a statement held (empty for an unknown date)."""
    held = {VALID_FROM: since.isoformat()} if since else {}
    return held | ({VALID_UNTIL: until.isoformat()} if until else {})


def served_on(headers: Iterable[CubeHeader], day: date) -> set[str]:
    """Ids of the cubes whose statement held on `day`: served cubes and superseded ones (they carry
    `valid_until`) whose interval [valid_from, valid_until) holds the day; no bound is no limit."""
    return {h.id for h in headers if _held_on(h, day)}


def _held_on(header: CubeHeader, day: date) -> bool:
    since, until = (_iso(header.meta.get(key)) for key in (VALID_FROM, VALID_UNTIL))
    if until is None and header.state not in SERVED:
        return False  # merged, or archived by something other than a supersession
    return (since is None or since <= day) and (until is None or day < until)


def _iso(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None

"""Reading a dataset's JSON file and checking its fields, with errors that name the file, the item and the field.

    longmemeval_s.json: item 3 (question_id 'abc'): missing field 'haystack_dates'

A malformed file is the user's to fix, so `DatasetFormatError` is a `UserError`:
`python run.py` prints its one line, no traceback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.datasets.files import DatasetNotFoundError
from evals.errors import UserError

_KIND_NAMES = {str: "a string", list: "a list", dict: "an object", bool: "true or false", int: "an integer",
               float: "a number"}


class DatasetFormatError(UserError, ValueError):
    """A data file is not in its dataset's format; the message names the file, the item and the field."""


def read_json(path: Path) -> Any:
    """The parsed JSON of `path`; a missing file or invalid JSON is a one-line error naming the file."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatasetNotFoundError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DatasetFormatError(f"{path}: not valid JSON ({error})") from None


def read_json_list(path: Path, what: str) -> list[Any]:
    """A JSON file whose top level must be a list (of `what`)."""
    data = read_json(path)
    if not isinstance(data, list):
        raise DatasetFormatError(f"{path}: expected a JSON list of {what}, got {_kind(data)}")
    return data


@dataclass(frozen=True)
class Where:
    """A place in a data file ("item 3 (question_id 'abc')"), for error messages."""

    file: Path
    item: str

    def error(self, message: str) -> DatasetFormatError:
        return DatasetFormatError(f"{self.file}: {self.item}: {message}")

    def inner(self, part: str) -> Where:
        """A place inside this one: `where.inner("session 2")` reads "item 3 (...), session 2"."""
        return Where(self.file, f"{self.item}, {part}")

    def field(self, record: Any, name: str, kind: type | tuple[type, ...]) -> Any:
        """`record[name]`, refusing a record that is not an object, a missing field or a value of another kind."""
        if not isinstance(record, dict):
            raise self.error(f"expected an object, got {_kind(record)}")
        if name not in record:
            raise self.error(f"missing field {name!r}")
        value = record[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            expected = " or ".join(_KIND_NAMES[k] for k in kinds)
            raise self.error(f"field {name!r} must be {expected}, got {_kind(value)}")
        return value

    def text(self, record: Any, name: str) -> str:
        """A string field."""
        return self.field(record, name, str)


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__

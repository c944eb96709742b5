"""Name -> implementation registries with lazy "module:object" targets.

A registry refuses duplicate or malformed names and answers an unknown name
with the closest known ones, so a typo in a config fails at start-up.
"""

from __future__ import annotations

import difflib
import importlib
import re
from typing import Any, Generic, TypeVar

T = TypeVar("T")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class Registry(Generic[T]):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T | str] = {}

    def register(self, name: str, target: T | str) -> None:
        """Register `target` (an object, or a lazy "module:attr" string) under `name`."""
        if not _NAME.match(name):
            raise ValueError(f"{self.kind} name {name!r} must match {_NAME.pattern}")
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self._entries[name] = target

    def get(self, name: str) -> T:
        if name not in self._entries:
            close = difflib.get_close_matches(name, self._entries, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise KeyError(f"unknown {self.kind} {name!r}{hint} (known: {', '.join(sorted(self._entries))})")
        target = self._entries[name]
        if isinstance(target, str):
            target = _import_target(target)
            self._entries[name] = target
        return target

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries


def _import_target(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)

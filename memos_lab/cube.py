"""The MemCube: one unit of memory, a typed header plus one payload.

Plain data: this module imports nothing of memos_lab, loads no model and
touches no disk. The payload is text (plaintext), or a mapping of tensor
names to tensors (activation: per-layer keys/values; parameter: LoRA weights).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Kind(str, Enum):
    PLAINTEXT = "plaintext"
    ACTIVATION = "activation"
    PARAMETER = "parameter"


class Lifecycle(str, Enum):
    GENERATED = "generated"
    ACTIVATED = "activated"
    MERGED = "merged"
    ARCHIVED = "archived"
    EXPIRED = "expired"
    FROZEN = "frozen"


_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # C0, DEL, C1: terminal escapes, newlines, NUL


def _sub(cls: type, name: str, value: Any) -> Any:
    if isinstance(value, cls):
        return value
    if not isinstance(value, Mapping):
        raise TypeError(f"cube header field {name!r} must be a mapping, got {type(value).__name__}")
    unknown = set(value) - {f.name for f in dataclasses.fields(cls)}
    if unknown:
        raise ValueError(f"unknown {name} fields: {sorted(unknown)}")
    return cls(**value)


def _check_str(name: str, value: Any, nonempty: bool = False) -> None:
    if not isinstance(value, str) or (nonempty and not value):
        raise ValueError(
            f"cube header field {name!r} must be a {'non-empty ' if nonempty else ''}string, got {value!r}"
        )


def _str_tuple(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (tuple, list)):
        raise ValueError(f"cube header field {name!r} must be a sequence of strings, got {value!r}")
    for item in value:
        _check_str(name, item)
    return tuple(value)


def _enum(enum: type[Enum], name: str, value: Any) -> Any:
    try:
        return enum(value)
    except ValueError:
        known = ", ".join(member.value for member in enum)
        raise ValueError(f"cube header field {name!r} must be one of {known}; got {value!r}") from None


def _check_type(cube_id: str, name: str, value: Any, cls: type) -> None:
    if not isinstance(value, cls):
        raise TypeError(f"cube {cube_id}: {name} must be a {cls.__name__}, got {type(value).__name__}")


def _number(cube_id: str, name: str, value: Any, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"cube {cube_id}: {name} must be a finite number, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"cube {cube_id}: {name} must be >= {minimum}, got {value!r}")
    return float(value)


def _json_mapping(cube_id: str, meta: Any) -> dict[str, Any]:
    """A copy of `meta`, refused unless it survives JSON exactly (str keys, no tuples, no NaN)."""
    if not isinstance(meta, Mapping):
        raise ValueError(f"cube {cube_id}: meta must be a mapping, got {type(meta).__name__}")
    meta = dict(meta)
    try:
        same = json.loads(json.dumps(meta, allow_nan=False)) == meta
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cube {cube_id}: meta must hold JSON values only: {exc}") from None
    if not same:
        raise ValueError(f"cube {cube_id}: meta must round-trip through JSON (string keys, lists not tuples)")
    return meta


@dataclass(frozen=True)
class Provenance:
    """Where a cube came from: a source, the items in it, the cubes it was made of."""

    source: str = ""
    refs: tuple[str, ...] = ()
    derived_from: tuple[str, ...] = ()
    operator: str = ""

    def __post_init__(self) -> None:
        _check_str("provenance.source", self.source)
        _check_str("provenance.operator", self.operator)
        for name in ("refs", "derived_from"):
            object.__setattr__(self, name, _str_tuple(f"provenance.{name}", getattr(self, name)))


@dataclass(frozen=True)
class AccessPolicy:
    """Who may read, write and share a cube besides its owner.

    In a store this reports the live cube-level grants; change them with the
    store's grant/revoke, not by editing the header.
    """

    readers: tuple[str, ...] = ()
    writers: tuple[str, ...] = ()
    sharers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("readers", "writers", "sharers"):
            object.__setattr__(self, name, _str_tuple(f"policy.{name}", getattr(self, name)))


@dataclass(frozen=True)
class CubeHeader:
    """Everything known about a cube except its payload; every field is validated."""

    id: str
    namespace: str
    owner: str
    kind: Kind
    provenance: Provenance = Provenance()
    version: int = 1
    parent_version: int | None = None
    state: Lifecycle = Lifecycle.GENERATED
    created_at: float = 0.0
    updated_at: float = 0.0
    last_access: float = 0.0
    access_count: int = 0
    priority: float = 0.0
    ttl_s: float | None = None
    policy: AccessPolicy = AccessPolicy()
    content_hash: str = ""
    size_bytes: int = 0
    size_tokens: int = 0
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("id", "namespace", "owner"):
            _check_str(name, getattr(self, name), nonempty=True)
            if _CONTROL.search(getattr(self, name)):
                raise ValueError(
                    f"cube header field {name!r} must not hold control characters, got {getattr(self, name)!r}"
                )
        object.__setattr__(self, "kind", _enum(Kind, "kind", self.kind))
        object.__setattr__(self, "state", _enum(Lifecycle, "state", self.state))
        _check_type(self.id, "provenance", self.provenance, Provenance)
        _check_type(self.id, "policy", self.policy, AccessPolicy)
        self._check_counts()
        for name in ("created_at", "updated_at", "last_access"):
            object.__setattr__(self, name, _number(self.id, name, getattr(self, name), minimum=0.0))
        object.__setattr__(self, "priority", _number(self.id, "priority", self.priority))
        if self.ttl_s is not None:
            object.__setattr__(self, "ttl_s", _number(self.id, "ttl_s", self.ttl_s, minimum=0.0))
            if self.ttl_s == 0:
                raise ValueError(f"cube {self.id}: ttl_s must be positive, got {self.ttl_s}")
        if self.content_hash and not _HEX64.match(self.content_hash):
            raise ValueError(
                f"cube {self.id}: content_hash must be 64 lower-case hex digits, got {self.content_hash!r}"
            )
        object.__setattr__(self, "meta", _json_mapping(self.id, self.meta))

    def _check_counts(self) -> None:
        for name in ("version", "access_count", "size_bytes", "size_tokens"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < (1 if name == "version" else 0):
                raise ValueError(f"cube {self.id}: {name} must be an int >= {int(name == 'version')}, got {value!r}")
        parent = self.parent_version
        if parent is not None and (not isinstance(parent, int) or isinstance(parent, bool) or not 1 <= parent):
            raise ValueError(f"cube {self.id}: parent_version must be None or an int >= 1, got {parent!r}")
        if parent is not None and parent >= self.version:
            raise ValueError(f"cube {self.id}: parent_version {parent} must be below version {self.version}")

    @property
    def expires_at(self) -> float | None:
        return None if self.ttl_s is None else self.created_at + self.ttl_s

    def is_expired(self, now: float) -> bool:
        return self.state is Lifecycle.EXPIRED or (self.expires_at is not None and now >= self.expires_at)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["kind"] = self.kind.value
        data["state"] = self.state.value
        data["meta"] = json.loads(json.dumps(self.meta))
        for name in ("provenance", "policy"):
            data[name] = {k: list(v) if isinstance(v, tuple) else v for k, v in data[name].items()}
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CubeHeader:
        if not isinstance(data, Mapping):
            raise TypeError(f"a cube header must be a mapping, got {type(data).__name__}")
        unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown cube header fields: {sorted(unknown)}")
        data = dict(data)
        data["provenance"] = _sub(Provenance, "provenance", data.get("provenance", {}))
        data["policy"] = _sub(AccessPolicy, "policy", data.get("policy", {}))
        return cls(**data)


@dataclass(frozen=True)
class MemCube:
    header: CubeHeader
    payload: Any

    @property
    def id(self) -> str:
        return self.header.id

    @property
    def kind(self) -> Kind:
        return self.header.kind

    @property
    def text(self) -> str:
        if self.kind is not Kind.PLAINTEXT:
            raise TypeError(f"cube {self.id} is {self.kind.value}, not plaintext")
        return self.payload

    def replace_header(self, **changes: Any) -> MemCube:
        return MemCube(dataclasses.replace(self.header, **changes), self.payload)


def new_cube_id() -> str:
    return uuid.uuid4().hex


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fresh_header(
    kind: Kind,
    *,
    namespace: str,
    owner: str,
    provenance: Provenance | None = None,
    cube_id: str | None = None,
    now: float | None = None,
    **fields: Any,
) -> CubeHeader:
    """The header of a new cube: an id (unless given) and every timestamp set to `now`."""
    stamp = time.time() if now is None else now
    return CubeHeader(
        id=cube_id or new_cube_id(),
        namespace=namespace,
        owner=owner,
        kind=kind,
        provenance=provenance or Provenance(),
        created_at=stamp,
        updated_at=stamp,
        last_access=stamp,
        **fields,
    )


def plaintext_cube(
    text: str,
    *,
    namespace: str,
    owner: str,
    provenance: Provenance = Provenance(),
    meta: Mapping[str, Any] | None = None,
    cube_id: str | None = None,
    size_tokens: int = 0,
    now: float | None = None,
) -> MemCube:
    """A fresh plaintext cube, header sizes and hash filled in from the text."""
    if not isinstance(text, str):
        raise TypeError(f"plaintext payload must be str, got {type(text).__name__}")
    header = fresh_header(
        Kind.PLAINTEXT,
        namespace=namespace,
        owner=owner,
        provenance=provenance,
        cube_id=cube_id,
        now=now,
        content_hash=text_hash(text),
        size_bytes=len(text.encode("utf-8")),
        size_tokens=size_tokens,
        meta=dict(meta or {}),
    )
    return MemCube(header, text)

"""The MemCube: one unit of memory, a typed header plus one payload.

Plain data: this module imports nothing of memos_lab, loads no model and
touches no disk. The payload is text (plaintext), or a mapping of tensor
names to tensors (activation: per-layer keys/values; parameter: LoRA weights).
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
import uuid
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Mapping


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


@dataclass(frozen=True)
class Provenance:
    """Where a cube came from: a source, the items in it, the cubes it was made of."""

    source: str = ""
    refs: tuple[str, ...] = ()
    derived_from: tuple[str, ...] = ()
    operator: str = ""


@dataclass(frozen=True)
class AccessPolicy:
    """Who may read, write and share a cube besides its owner."""

    readers: tuple[str, ...] = ()
    writers: tuple[str, ...] = ()
    sharers: tuple[str, ...] = ()


@dataclass(frozen=True)
class CubeHeader:
    id: str
    namespace: str
    owner: str
    kind: Kind
    provenance: Provenance = Provenance()
    version: int = 1
    parent_version: int | None = None
    state: Lifecycle = Lifecycle.GENERATED
    created_at: float = 0.0
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
        object.__setattr__(self, "kind", Kind(self.kind))
        object.__setattr__(self, "state", Lifecycle(self.state))
        for name in ("id", "namespace", "owner"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ValueError(f"cube header field {name!r} must be a non-empty string")
        if self.version < 1:
            raise ValueError(f"cube {self.id}: version must be >= 1, got {self.version}")
        if self.ttl_s is not None and self.ttl_s <= 0:
            raise ValueError(f"cube {self.id}: ttl_s must be positive, got {self.ttl_s}")

    @property
    def expires_at(self) -> float | None:
        return None if self.ttl_s is None else self.created_at + self.ttl_s

    def is_expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["kind"] = self.kind.value
        data["state"] = self.state.value
        data["meta"] = dict(self.meta)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CubeHeader:
        unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown cube header fields: {sorted(unknown)}")
        data = dict(data)
        data["provenance"] = Provenance(**_tuples(data.get("provenance", {})))
        data["policy"] = AccessPolicy(**_tuples(data.get("policy", {})))
        return cls(**data)


def _tuples(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in mapping.items()}


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
    created = time.time() if now is None else now
    header = CubeHeader(
        id=cube_id or new_cube_id(),
        namespace=namespace,
        owner=owner,
        kind=Kind.PLAINTEXT,
        provenance=provenance,
        created_at=created,
        last_access=created,
        content_hash=text_hash(text),
        size_bytes=len(text.encode("utf-8")),
        size_tokens=size_tokens,
        meta=dict(meta or {}),
    )
    return MemCube(header, text)

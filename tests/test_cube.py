from __future__ import annotations

import json

import pytest

from memos_lab.cube import AccessPolicy, CubeHeader, Kind, Lifecycle, Provenance, plaintext_cube


def header(**changes) -> CubeHeader:
    fields = {"id": "c1", "namespace": "ns", "owner": "alice", "kind": "plaintext", **changes}
    return CubeHeader(**fields)


def test_a_full_header_round_trips_through_json():
    full = header(
        provenance=Provenance("locomo:conv-26", ("D1:3",), ("c0",), "fuse.text"),
        version=3,
        parent_version=2,
        state="activated",
        created_at=1.5,
        updated_at=2.5,
        last_access=3.5,
        access_count=4,
        priority=-0.25,
        ttl_s=3600,
        policy=AccessPolicy(readers=("bob",)),
        content_hash="ab" * 32,
        size_bytes=10,
        size_tokens=3,
        meta={"speaker": "Caroline", "nested": [1, {"x": None}]},
    )
    assert CubeHeader.from_dict(json.loads(json.dumps(full.to_dict()))) == full
    assert full.kind is Kind.PLAINTEXT and full.state is Lifecycle.ACTIVATED
    assert full.expires_at == 3601.5


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": ""}, "'id' must be a non-empty string"),
        ({"owner": 7}, "'owner' must be a non-empty string"),
        ({"kind": "kv"}, "'kind' must be one of plaintext, activation, parameter"),
        ({"state": "dead"}, "'state' must be one of"),
        ({"version": 0}, "version must be an int >= 1"),
        ({"version": 2, "parent_version": 2}, "parent_version 2 must be below version 2"),
        ({"access_count": -1}, "access_count must be an int >= 0"),
        ({"size_bytes": True}, "size_bytes must be an int"),
        ({"priority": float("nan")}, "priority must be a finite number"),
        ({"created_at": -1.0}, "created_at must be >= 0"),
        ({"ttl_s": 0}, "ttl_s must be positive"),
        ({"content_hash": "xyz"}, "content_hash must be 64 lower-case hex digits"),
        ({"meta": {"t": (1, 2)}}, "meta must round-trip through JSON"),
        ({"meta": {"x": float("inf")}}, "meta must hold JSON values only"),
        ({"meta": {1: "a"}}, "meta must round-trip"),
        ({"provenance": {"refs": ["D1:3"]}}, "provenance must be a Provenance"),
    ],
)
def test_invalid_fields_are_refused_by_name(changes, message):
    with pytest.raises((ValueError, TypeError), match=message):
        header(**changes)


def test_invalid_provenance_is_refused():
    with pytest.raises(ValueError, match="provenance.refs"):
        Provenance(refs="D1:3")
    with pytest.raises(ValueError, match="policy.readers"):
        AccessPolicy(readers=(1,))


def test_unknown_fields_are_refused():
    data = header().to_dict()
    with pytest.raises(ValueError, match="unknown cube header fields: \\['colour'\\]"):
        CubeHeader.from_dict({**data, "colour": "red"})
    with pytest.raises(ValueError, match="unknown provenance fields"):
        CubeHeader.from_dict({**data, "provenance": {"sauce": "x"}})


def test_plaintext_cube_fills_hash_and_size():
    cube = plaintext_cube("héllo", namespace="ns", owner="alice", now=5.0)
    assert cube.header.size_bytes == 6
    assert cube.header.created_at == cube.header.updated_at == 5.0
    with pytest.raises(TypeError, match="not plaintext"):
        _ = cube.replace_header(kind=Kind.ACTIVATION).text

"""Property tests: a header round-trips exactly, through JSON and through the store."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from memos_lab.cube import AccessPolicy, CubeHeader, Kind, Lifecycle, MemCube, Provenance, new_cube_id
from memos_lab.store import CubeStore

MEGABYTE = "ü" * (1 << 19)  # 1 MiB of UTF-8
texts = st.text(max_size=40)
names = st.text(min_size=1, max_size=20)
# ids, namespaces and owners refuse control characters (terminal escapes, newlines): see test_hostile_bundles.py
identifiers = st.text(st.characters(blacklist_categories=("Cc",)), min_size=1, max_size=20)
actors = identifiers.filter(lambda name: name.strip() and not name.startswith("@"))  # the store's rule for actors
numbers = st.floats(min_value=0, max_value=4e9, allow_nan=False)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=10,
)


@st.composite
def headers(draw) -> CubeHeader:
    version = draw(st.integers(1, 1000))
    ttl = draw(st.none() | st.floats(min_value=1e-3, max_value=1e9))
    return CubeHeader(
        id=draw(identifiers),
        namespace=draw(identifiers),
        owner=draw(identifiers),
        kind=draw(st.sampled_from(Kind)),
        provenance=Provenance(draw(texts), tuple(draw(st.lists(texts, max_size=3))), (), draw(texts)),
        version=version,
        parent_version=draw(st.none() | st.integers(1, version - 1)) if version > 1 else None,
        state=draw(st.sampled_from(Lifecycle)),
        created_at=draw(numbers),
        updated_at=draw(numbers),
        last_access=draw(numbers),
        access_count=draw(st.integers(0, 2**40)),
        priority=draw(st.floats(allow_nan=False, allow_infinity=False)),
        ttl_s=ttl,
        policy=AccessPolicy(tuple(draw(st.lists(names, max_size=2)))),
        content_hash=draw(st.sampled_from(["", "0" * 64, "f" * 64])),
        size_bytes=draw(st.integers(0, 2**40)),
        size_tokens=draw(st.integers(0, 2**31)),
        meta=draw(st.dictionaries(texts, json_values, max_size=4)),
    )


@settings(max_examples=150, deadline=None)
@given(headers())
@example(CubeHeader(id="x", namespace="n", owner="o", kind="plaintext", meta={"": ""}, provenance=Provenance("")))
@example(CubeHeader(id="日本", namespace="名前空間", owner="🙂", kind="parameter", meta={"big": MEGABYTE}))
def test_header_round_trips_through_json_exactly(header):
    assert CubeHeader.from_dict(json.loads(json.dumps(header.to_dict()))) == header


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory):
    with CubeStore(tmp_path_factory.mktemp("roundtrip")) as store:
        yield store


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(), owner=actors, source=texts, meta=st.dictionaries(texts, json_values, max_size=3))
@example(text="", owner="o", source="", meta={})
@example(text=MEGABYTE, owner="ünïcødé", source=MEGABYTE, meta={"t": MEGABYTE})
def test_plaintext_cube_round_trips_through_the_store(shared_store, text, owner, source, meta):
    header = CubeHeader(
        id=new_cube_id(),
        namespace=f"ns-{owner}",
        owner=owner,
        kind=Kind.PLAINTEXT,
        provenance=Provenance(source),
        meta=meta,
    )
    stored = shared_store.put(MemCube(header, text), owner)
    loaded = shared_store.get(header.id, owner, touch=False)
    assert loaded.text == text
    assert loaded.header == stored
    assert (loaded.header.provenance, loaded.header.meta) == (header.provenance, header.meta)

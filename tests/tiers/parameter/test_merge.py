import pytest

from memos_lab.cube import Provenance
from memos_lab.tiers.parameter.adapter_cube import adapter_to_cube, cube_to_adapter
from memos_lab.tiers.parameter.merge import merge_adapters, merge_cubes


@pytest.fixture
def source_cubes(server, trained):
    return [adapter_to_cube(server, n, namespace=n, owner="tester", provenance=Provenance(source=n))
            for n in ("alpha", "beta")]  # fmt: skip


@pytest.mark.parametrize("combination, rank", [("cat", 8), ("linear", 4)])
def test_a_merged_cube_records_both_sources(server, source_cubes, combination, rank):
    merged = merge_cubes(server, source_cubes, namespace="both", owner="tester", combination=combination)
    assert merged.header.provenance.derived_from == tuple(c.id for c in source_cubes)
    assert merged.header.provenance.operator == f"merge:{combination}"
    assert merged.header.meta["lora_config"]["r"] == rank
    assert sorted(server.names()) == ["alpha", "beta"]  # temporary adapters are gone
    cube_to_adapter(server, merged, "both")
    server.unload("both")


def test_merging_refuses_unknown_combinations_and_adapters(server, trained):
    with pytest.raises(ValueError, match="combination"):
        merge_adapters(server, ["alpha", "beta"], "x", combination="average")
    with pytest.raises(KeyError, match="gamma"):
        merge_adapters(server, ["alpha", "gamma"], "x")

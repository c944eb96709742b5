import dataclasses

import pytest

from memos_lab.tiers.plaintext.config import DenseKind, Fields, RetrievalConfig, Stemmer


def test_defaults_are_valid_and_typed():
    config = RetrievalConfig()
    assert isinstance(config.stemmer, Stemmer) and isinstance(config.date_in, Fields)
    assert config.rerank_model is None and config.dense_index is DenseKind.flat


def test_strings_become_enums():
    config = RetrievalConfig(stemmer="porter", dense_index="hnsw", date_in="none")
    assert config.stemmer is Stemmer.porter and config.dense_index is DenseKind.hnsw and config.date_in is Fields.none


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("stemmer", "lancaster"),
        ("dense_index", "annoy"),
        ("candidates", 0),
        ("rrf_k", 2.5),
        ("neighbours", -1),
        ("time_weight", -0.1),
        ("decompose", "yes"),
        ("rerank_model", ""),
    ],
)
def test_bad_values_name_the_field(field, value):
    with pytest.raises(ValueError, match=rf"memory\.retrieval\.{field}\b"):
        RetrievalConfig(**{field: value})


def test_both_weights_zero_is_refused():
    with pytest.raises(ValueError, match="dense_weight and memory.retrieval.lexical_weight"):
        RetrievalConfig(dense_weight=0, lexical_weight=0)


def test_every_field_is_a_plain_type():
    allowed = {"int", "float", "str", "bool", "Optional[str]"}
    for field in dataclasses.fields(RetrievalConfig):
        annotation = str(field.type)
        assert annotation in allowed or annotation in {"Stemmer", "Fields", "Fusion", "DenseKind", "CacheDtype"}, field


def test_omegaconf_structured_config_accepts_it():
    from omegaconf import OmegaConf

    schema = OmegaConf.structured(RetrievalConfig)
    merged = OmegaConf.merge(schema, {"stemmer": "porter", "neighbours": 1})
    config = OmegaConf.to_object(merged)
    assert config.stemmer is Stemmer.porter and config.neighbours == 1
    with pytest.raises(Exception, match="stemmer"):
        OmegaConf.merge(schema, {"stemmer": "lancaster"})

import pytest

from evals.synthetic_facts import generate_facts
from memos_lab.cube import plaintext_cube
from memos_lab.tiers.parameter.training_data import QAPair, build_training_set, cloze_qa


def test_qa_pairs_come_from_cube_meta_else_from_a_cloze_template():
    with_qa = plaintext_cube(
        "Bo plays the oboe.", namespace="n", owner="o", meta={"qa": [["What does Bo play?", "oboe"]]}
    )
    without = plaintext_cube("Caroline went to a support group on 7 May.", namespace="n", owner="o")
    data = build_training_set([with_qa, without])
    assert data.statements == ("Bo plays the oboe.", "Caroline went to a support group on 7 May.")
    assert data.qa[0] == QAPair("What does Bo play?", "oboe")
    assert data.qa[1].question.startswith('Complete the memory: "Caroline went') and data.qa[1].answer
    assert data.source_ids == (with_qa.id, without.id)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="no cubes"):
        build_training_set([])
    broken = plaintext_cube("x y", namespace="n", owner="o", meta={"qa": ["not a pair"]})
    with pytest.raises(ValueError, match=broken.id):
        build_training_set([broken])
    assert cloze_qa("word") == []


def test_synthetic_facts_are_deterministic_and_distinct():
    facts = generate_facts(100, seed=3)
    assert facts == generate_facts(100, seed=3) and facts != generate_facts(100, seed=4)
    assert len({f.id for f in facts}) == 100 and len({(f.subject, f.relation) for f in facts}) == 100
    for fact in facts:
        assert fact.answer in fact.statement and fact.question != fact.paraphrase
        assert fact.subject in fact.question and fact.subject in fact.paraphrase


def test_an_llm_writer_adds_at_most_one_parsed_pair(model):
    from memos_lab.tiers.parameter.training_data import written_qa

    pairs = written_qa(model, "Bo Lindqvist plays the oboe.")
    assert len(pairs) <= 1 and all(p.question and p.answer for p in pairs)

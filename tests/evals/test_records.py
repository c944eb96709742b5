import json

import pytest

from evals.records import RecordsFile


def test_append_and_read_back(tmp_path):
    records = RecordsFile(tmp_path / "r.jsonl")
    records.append({"qid": "a", "x": "é"})
    records.append({"qid": "b"})
    assert [r["qid"] for r in records] == ["a", "b"] and records.done_ids() == {"a", "b"}


def test_a_torn_last_line_is_dropped_before_appending(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"qid": "a"}) + "\n" + '{"qid": "b", "pre')
    records = RecordsFile(path)
    assert records.done_ids() == {"a"}
    records.drop_torn_tail()
    records.append({"qid": "b"})
    assert [r["qid"] for r in records] == ["a", "b"]


def test_a_corrupt_line_in_the_middle_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"qid": "a"}\nnot json\n{"qid": "c"}\n')
    with pytest.raises(ValueError, match=r"r\.jsonl: line 2"):
        RecordsFile(path).done_ids()

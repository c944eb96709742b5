"""The CLI wrapper's argv and the model's stop sequences."""

from __future__ import annotations

from evals.lm_eval_bridge import TASKS_DIR
from evals.lm_eval_bridge.__main__ import lm_eval_argv
from evals.lm_eval_bridge.model import cut_at_stops


def test_the_bridge_tasks_are_included_unless_a_path_is_given():
    assert lm_eval_argv(["--model", "memos"]) == ["--model", "memos", "--include_path", str(TASKS_DIR)]
    assert lm_eval_argv(["ls", "tasks", "--include_path=/x"]) == ["ls", "tasks", "--include_path=/x"]
    assert lm_eval_argv(["--help"]) == ["--help"]


def test_the_output_is_cut_at_the_first_stop_sequence():
    assert cut_at_stops("Paris.\n\nQ: next", ["\n\n", "Q:"]) == "Paris."
    assert cut_at_stops("Paris.", []) == cut_at_stops("Paris.", None) == "Paris."
    assert cut_at_stops("a|b", "|") == "a"

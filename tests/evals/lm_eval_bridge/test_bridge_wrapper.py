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


def test_the_installed_entry_point_resolves_to_the_memos_model():
    """What lm-eval releases after 0.4.13 do with an `lm_eval.models` entry point (upstream PR #4013): register it
    as a placeholder in a model registry and materialise it when the name is asked for."""
    import importlib.metadata as md

    from lm_eval.api.model import LM
    from lm_eval.api.registry import Registry

    from evals.lm_eval_bridge.model import MemosLM

    (entry_point,) = [ep for ep in md.entry_points(group="lm_eval.models") if ep.name == "memos"]
    registry = Registry("model", base_cls=LM)
    registry.register("memos", target=entry_point)
    assert registry.get("memos") is MemosLM

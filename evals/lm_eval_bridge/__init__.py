"""The lm-eval bridge: `--model memos` (answers through a memory system built from conf/) and task
YAMLs over the local LoCoMo and LongBench files (tasks/), scored by each dataset's own scorer.

Importing this package registers the model name lazily (nothing heavy is imported until lm-eval
builds it). lm-eval 0.4.13 finds external models only when something imports them, so the CLI is
`lm_eval ...` after `python -m evals.lm_eval_plugin install`, or `python -m evals.lm_eval_bridge ...`
(lm-eval's own arguments; see README.md).
"""

from pathlib import Path

from lm_eval.api.registry import model_registry

MODEL_NAME = "memos"
TASKS_DIR = Path(__file__).resolve().parent / "tasks"

if MODEL_NAME not in model_registry:
    model_registry.register(MODEL_NAME, target="evals.lm_eval_bridge.model:MemosLM")

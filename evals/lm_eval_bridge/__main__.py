"""`python -m evals.lm_eval_bridge [lm-eval arguments]`: lm-eval's CLI with `--model memos` registered
and the bridge's tasks on the include path (unless `--include_path` is given), offline.

A mistake the user makes (a bad model_arg, an episode the config leaves out) prints one line and
exits 2, as `python run.py` does; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import os
import sys

from evals.lm_eval_bridge import TASKS_DIR

OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "WANDB_SILENT": "true"}


def lm_eval_argv(argv: list[str]) -> list[str]:
    """lm-eval's argv: the bridge's task folder added to a command that names none."""
    if not argv or argv[0] in ("-h", "--help") or any(a.split("=")[0] == "--include_path" for a in argv):
        return argv
    return [*argv, "--include_path", str(TASKS_DIR)]


def main(argv: list[str] | None = None) -> int:
    from lm_eval.__main__ import cli_evaluate

    from evals.errors import report_user_error

    for key, value in OFFLINE.items():
        os.environ.setdefault(key, value)
    sys.argv = ["lm-eval", *lm_eval_argv(list(sys.argv[1:] if argv is None else argv))]
    try:
        cli_evaluate()
    except Exception as error:
        return report_user_error(error)
    return 0


if __name__ == "__main__":
    sys.exit(main())

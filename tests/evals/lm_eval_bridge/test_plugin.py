"""The lm-eval plugin: its .pth makes lm-eval 0.4.13's registry know the `lm_eval.models` entry points,
without binding the `evals` package at interpreter start."""

from __future__ import annotations

import subprocess
import sys

from evals.lm_eval_plugin import PTH_NAME, install, main, pth_line, uninstall

PROBE = """
import site, sys
site.addsitedir(sys.argv[1])
print("evals bound at start" if "evals" in sys.modules else "evals free")
from lm_eval.api import registry
from lm_eval.api.registry import get_model
assert registry.__loader__.get_source("lm_eval.api.registry")  # the wrapped loader still reads its source
try:
    print(get_model("memos").__name__, get_model("hf").__name__)
except ValueError as error:
    print("unknown", str(error)[:60])
"""


def _probe(site_dir) -> list[str]:
    result = subprocess.run([sys.executable, "-c", PROBE, str(site_dir)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Error processing" not in result.stderr, result.stderr[-2000:]
    return result.stdout.split("\n")[:2]


def test_the_pth_registers_memos_beside_lm_evals_own_models_and_uninstall_removes_it(tmp_path):
    assert _probe(tmp_path)[1].startswith("unknown")  # lm-eval 0.4.13 alone reads no entry points
    path = install(tmp_path)
    assert path == tmp_path / PTH_NAME and path.read_text().startswith("import ")
    assert _probe(tmp_path) == ["evals free", "MemosLM HFLM"]
    uninstall(tmp_path)
    assert not path.exists() and _probe(tmp_path)[1].startswith("unknown")


def test_a_line_whose_checkout_is_gone_does_nothing(tmp_path):
    (tmp_path / PTH_NAME).write_text(pth_line(tmp_path / "moved" / "lm_eval_hook.py"))
    assert _probe(tmp_path)[0] == "evals free" and _probe(tmp_path)[1].startswith("unknown")


def test_the_command_installs_reports_and_uninstalls(tmp_path, capsys):
    for action, said in (("status", "not installed"), ("install", "installed"), ("status", "installed"),
                         ("uninstall", "uninstalled")):
        assert main([action, "--site-dir", str(tmp_path)]) == 0
        assert capsys.readouterr().out.startswith(f"{said}: ")

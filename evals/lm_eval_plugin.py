"""`lm_eval --model memos` with lm-eval 0.4.13: install a `.pth` that reads the `lm_eval.models` entry points.

lm-eval releases after 0.4.13 register the models that packages declare under the `lm_eval.models`
entry-point group (upstream PR #4013); 0.4.13, the newest on PyPI, knows only its own. `install` writes
one line, `memos_lab_lm_eval.pth`, into this environment's site-packages (or `--site-dir`); at each
interpreter start it loads `evals/lm_eval_hook.py` of this checkout by its path (never the `evals`
package) and lets it watch for lm-eval's registry. A moved or deleted checkout makes the line do
nothing. `uninstall` removes it; `status` says whether it is there and which hook it loads.

    python -m evals.lm_eval_plugin install|uninstall|status [--site-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
import sysconfig
from pathlib import Path

PTH_NAME = "memos_lab_lm_eval.pth"
HOOK = Path(__file__).resolve().with_name("lm_eval_hook.py")
HOOK_MODULE = "memos_lab_lm_eval_hook"
# a .pth line runs only if it starts with "import"; its own namespace ({}) keeps site's clean
_LOADER = ("import importlib.util as u, os, sys\n"
           "if os.path.isfile({path!r}) and {name!r} not in sys.modules:\n"
           " s = u.spec_from_file_location({name!r}, {path!r})\n"
           " m = sys.modules[{name!r}] = u.module_from_spec(s)\n"
           " s.loader.exec_module(m)\n"
           " m.watch()\n")


def pth_line(hook: Path = HOOK) -> str:
    return f"import sys; exec({_LOADER.format(path=str(hook), name=HOOK_MODULE)!r}, {{}})\n"


def pth_path(site_dir: Path | None = None) -> Path:
    return Path(site_dir or sysconfig.get_paths()["purelib"]) / PTH_NAME


def install(site_dir: Path | None = None, hook: Path = HOOK) -> Path:
    path = pth_path(site_dir)
    path.write_text(pth_line(hook))
    return path


def uninstall(site_dir: Path | None = None) -> Path:
    path = pth_path(site_dir)
    path.unlink(missing_ok=True)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.lm_eval_plugin", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("install", "uninstall", "status"))
    parser.add_argument("--site-dir", type=Path, help="where the .pth goes (default: this environment's site-packages)")
    args = parser.parse_args(argv)
    path = pth_path(args.site_dir)
    if args.action == "status":
        print(f"installed: {path} (loads {HOOK})" if path.exists() else f"not installed: {path}")
        return 0
    (install if args.action == "install" else uninstall)(args.site_dir)
    print(f"{args.action}ed: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

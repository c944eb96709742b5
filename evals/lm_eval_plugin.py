"""`lm_eval --model memos` with lm-eval 0.4.13: the `lm_eval.models` entry points, read at import time.

lm-eval releases after 0.4.13 register the models that packages declare under the `lm_eval.models`
entry-point group (upstream PR #4013); 0.4.13, the newest on PyPI, knows only its own. Installing this
plugin (`python -m evals.lm_eval_plugin install`) writes one `.pth` line into site-packages. At each
interpreter start it puts a finder on `sys.meta_path` that does nothing until `lm_eval.api.registry`
is imported, then registers every declared `lm_eval.models` entry point the registry lacks (after
lm-eval's own models, which it imports lazily, as strings). Where lm-eval already reads entry points
it registers nothing. Only the standard library is imported here: the line runs in every Python
process of the environment. `uninstall` removes the line; `status` says whether it is there.
"""

from __future__ import annotations

import argparse
import importlib.abc
import importlib.machinery
import importlib.metadata as md
import sys
import sysconfig
from pathlib import Path

REGISTRY = "lm_eval.api.registry"
GROUP = "lm_eval.models"
PTH_NAME = "memos_lab_lm_eval.pth"
# a .pth line runs only if it starts with "import"; a package uninstalled later must not break startup
PTH_LINE = ('import sys; exec("try:\\n import evals.lm_eval_plugin as p\\nexcept ImportError:\\n pass\\n'
            'else:\\n p.watch()")\n')


def register_entry_points(registry_module) -> list[str]:
    """Register the declared `lm_eval.models` entry points the registry lacks; the names added."""
    import lm_eval.models  # noqa: F401  lm-eval's own models, registered lazily; an empty registry would skip them

    registry = registry_module.model_registry
    added = []
    for entry_point in md.entry_points(group=GROUP):
        if entry_point.name not in registry:
            registry.register(entry_point.name, target=entry_point)
            added.append(entry_point.name)
    return added


class _RegistersAfterExec(importlib.abc.Loader):
    def __init__(self, loader) -> None:
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        self.loader.exec_module(module)
        register_entry_points(module)

    def __getattr__(self, name):  # get_source, get_code, is_package...: the file loader's own
        return getattr(self.loader, name)


class _RegistryWatcher(importlib.abc.MetaPathFinder):
    """Finds nothing itself; wraps the loader of lm-eval's registry module so the entry points follow it."""

    def find_spec(self, fullname, path, target=None):
        if fullname != REGISTRY:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _RegistersAfterExec(spec.loader)
        return spec


def watch() -> None:
    """Register the entry points now if lm-eval's registry is loaded, else when it is."""
    if REGISTRY in sys.modules:
        register_entry_points(sys.modules[REGISTRY])
    elif not any(isinstance(finder, _RegistryWatcher) for finder in sys.meta_path):
        sys.meta_path.insert(0, _RegistryWatcher())


def pth_path(site_dir: Path | None = None) -> Path:
    return Path(site_dir or sysconfig.get_paths()["purelib"]) / PTH_NAME


def install(site_dir: Path | None = None) -> Path:
    path = pth_path(site_dir)
    path.write_text(PTH_LINE)
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
    if args.action == "status":
        path = pth_path(args.site_dir)
        print(f"{'installed' if path.exists() else 'not installed'}: {path}")
        return 0
    path = (install if args.action == "install" else uninstall)(args.site_dir)
    print(f"{args.action}ed: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

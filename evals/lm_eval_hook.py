"""The hook the lm-eval plugin's `.pth` line loads at interpreter start (evals/lm_eval_plugin.py).

It puts a finder on `sys.meta_path` that does nothing until `lm_eval.api.registry` is imported, then
registers every declared `lm_eval.models` entry point the registry lacks, after lm-eval's own models
(which lm-eval imports lazily, as strings). Where lm-eval already reads entry points it adds nothing.

Only the standard library is imported, and the `.pth` loads this file by its path under the name
`memos_lab_lm_eval_hook`, never as `evals.lm_eval_hook`: importing the `evals` package at interpreter
start would bind it to this checkout for every script, so another checkout run with the same
environment would silently use this one's code.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.metadata as md
import sys

REGISTRY = "lm_eval.api.registry"
GROUP = "lm_eval.models"


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

"""Config schemas of components written before the one-module-plus-one-YAML rule.

New components keep their `<Class>Config` beside the class; see evals/config.py.
"""

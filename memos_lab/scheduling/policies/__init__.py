"""Eviction policies: the `Policy` contract (base.py) and one module per policy, each with its
`<ClassName>Config` schema beside it and a YAML in conf/policy/. See ../README.md."""

"""Activation memory: KV caches of memory text, built, stored, composed and injected (see README.md)."""

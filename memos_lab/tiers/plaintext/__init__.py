"""Plaintext memory: indexed text retrieved into the prompt."""

from memos_lab.tiers.plaintext.retriever import Hit, Retriever
from memos_lab.tiers.plaintext.tier import PlaintextTier

__all__ = ["Hit", "PlaintextTier", "Retriever"]

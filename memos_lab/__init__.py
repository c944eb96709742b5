"""memos_lab: memory for LLMs as a managed resource (MemOS)."""

__version__ = "0.1.0"

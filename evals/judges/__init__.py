"""LLM judges over finished run directories: the published LoCoMo and LongMemEval prompts, an
OpenAI-compatible endpoint or a local Hugging Face model, n repeated judgements, cached (see README.md)."""

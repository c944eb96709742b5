"""LongBench (Bai et al., 2023): long-context tasks whose contexts become chunked memories."""

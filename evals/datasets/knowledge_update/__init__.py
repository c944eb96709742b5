"""Knowledge updates: seeded users whose facts change across sessions (see README.md)."""

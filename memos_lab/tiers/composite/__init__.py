"""The composite tier (`tier=all`): every tier answers at once."""

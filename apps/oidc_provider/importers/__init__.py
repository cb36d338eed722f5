"""Readers for files exported by the systems Keyway replaces (parsing and validation only)."""

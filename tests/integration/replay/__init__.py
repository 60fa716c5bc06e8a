"""Integration tests of replay and audit."""

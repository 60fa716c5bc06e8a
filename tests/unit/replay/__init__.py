"""Unit tests of replay and audit."""

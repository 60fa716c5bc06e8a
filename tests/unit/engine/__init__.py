"""Unit tests of the pure engine."""

"""Unit tests of what users deploy."""

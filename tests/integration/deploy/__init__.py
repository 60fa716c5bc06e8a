"""Integration tests of what users deploy."""

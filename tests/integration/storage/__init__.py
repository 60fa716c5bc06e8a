"""Integration tests of storage."""

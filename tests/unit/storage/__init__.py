"""Unit tests of storage."""

"""Unit tests of the batch engine."""

"""Integration tests of the live stages."""

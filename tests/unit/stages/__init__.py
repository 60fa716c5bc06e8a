"""Unit tests of the live stages."""

"""Integration tests of the wallboard."""

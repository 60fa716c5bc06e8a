"""Integration tests of the producers and bridges."""

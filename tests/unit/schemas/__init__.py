"""Unit tests of the event contract and SLA file."""

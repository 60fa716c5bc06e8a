"""Integration tests of the dashboards."""

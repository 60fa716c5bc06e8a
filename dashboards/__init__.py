"""Grafana provisioning for cckpi: the dashboards are generated from ``dashboards.panels``."""

"""cckpi: real-time contact-centre KPIs (command line and launcher)."""

__version__ = "0.1.0"

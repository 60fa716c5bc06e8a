"""cckpi: real-time contact-centre KPIs (command line and launcher)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cckpi")  # one source: pyproject.toml, through the installed metadata
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"

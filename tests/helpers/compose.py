"""Read the production stack's files as Docker would: a service's environment from
docker-compose.yml (with compose's variable interpolation) and the image's ENV from the Dockerfile.

Docker cannot run on the development machines; tests start the same command natively with the
same environment, mapping only what a container network and volumes would provide.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[?-])([^}]*))?\}|\$\$")


class MissingVariable(ValueError):
    """A required variable (``${VAR:?message}``) is unset or empty: compose stops with the message."""


def interpolate(text: str, values: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``, ``${VAR:?error}``, ``${VAR?error}``
    and ``$$`` (a literal ``$``)."""

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, operator, argument = match.group(1), match.group(2), match.group(3) or ""
        value = values.get(name)
        unset = value is None or (operator is not None and operator.startswith(":") and value == "")
        if operator in ("?", ":?") and unset:
            raise MissingVariable(f"{name}: {argument}")
        if operator in ("-", ":-") and unset:
            return argument
        return value or ""

    return _VARIABLE.sub(substitute, text)


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text()))


def mounts(service: str) -> list[tuple[str, str]]:
    """A service's volumes as (source, target), short (``src:dst[:ro]``) and long syntax alike;
    the source as written (a named volume, a path, or a ``${VAR}``)."""
    found = []
    for volume in compose()["services"][service].get("volumes", []):
        if isinstance(volume, dict):
            found.append((str(volume["source"]), str(volume["target"])))
        else:
            source, target = volume.split(":")[:2]
            found.append((source, target))
    return found


def service_environment(service: str, values: dict[str, str]) -> dict[str, str]:
    """The environment docker compose gives ``service``, with ``values`` as its .env file."""
    environment = compose()["services"][service].get("environment", {})
    return {key: interpolate(str(value), values) for key, value in environment.items()}


def image_environment(dockerfile: Path = ROOT / "Dockerfile") -> dict[str, str]:
    """The ``ENV`` lines of a Dockerfile (``ENV KEY=value ...`` form)."""
    found: dict[str, str] = {}
    for line in dockerfile.read_text().splitlines():
        if line.startswith("ENV "):
            found.update(part.split("=", 1) for part in shlex.split(line[4:]))  # type: ignore[misc]
    return found


def image_command(service: str) -> list[str]:
    """The image's ENTRYPOINT followed by the service's command."""
    text = (ROOT / "Dockerfile").read_text()
    entrypoint = yaml.safe_load(re.search(r"^ENTRYPOINT (.+)$", text, re.M).group(1))  # type: ignore[union-attr]
    return [*entrypoint, *compose()["services"][service].get("command", [])]

"""Reading a YAML configuration file into a pydantic model, with errors a person can act on:
the file, the path of the field and the problem, one per line."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class ConfigError(ValueError):
    """A bad configuration file: names the file, the field path and the problem."""


def read_config(path: str | Path, model: type[M], error: type[ConfigError] = ConfigError) -> M:
    """The file's document validated as ``model``; every problem raised as ``error``."""
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as cause:
        raise error(f"{path}: cannot read: {cause.strerror}") from cause
    except yaml.YAMLError as cause:
        raise error(f"{path}: not valid YAML: {cause}") from cause
    try:
        return model.model_validate(document)
    except ValidationError as cause:
        problems = [
            f"{path}: {'.'.join(str(p) for p in item['loc']) or '(top level)'}: {item['msg']}"
            for item in cause.errors(include_url=False)
        ]
        raise error("\n".join(problems)) from cause

"""Reading a YAML configuration file into a pydantic model, with errors a person can act on:
the file, the path of the field and the problem, one per line. A string value may name a
variable of the environment as ``${NAME}``, so that secrets (webhook URLs) stay out of the file."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ConfigError(ValueError):
    """A bad configuration file: names the file, the field path and the problem."""


class UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader refusing a key given twice in one mapping (which it would let the
    second replace silently), naming both lines; keys brought in by a merge (``<<:``) may be
    overridden, as YAML means them to be."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[object, object]:
        first_line: dict[object, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                earlier = first_line.get(key)
            except TypeError:  # an unhashable key: the constructor says so below
                continue
            if earlier is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} on lines {earlier} and {line} (keep one)"
                )
            first_line[key] = line
        return super().construct_mapping(node, deep=deep)


def read_config(path: str | Path, model: type[M], error: type[ConfigError] = ConfigError) -> M:
    """The file's document validated as ``model``; every problem raised as ``error``."""
    path = Path(path)
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=UniqueKeyLoader) or {}  # noqa: S506
    except OSError as cause:
        raise error(f"{path}: cannot read: {cause.strerror}") from cause
    except yaml.YAMLError as cause:
        raise error(f"{path}: not valid YAML: {cause}") from cause
    try:
        document = expand_variables(document, os.environ)
    except UnsetVariable as cause:
        raise error(f"{path}: {cause}") from None
    try:
        return model.model_validate(document)
    except ValidationError as cause:
        problems = [
            f"{path}: {'.'.join(str(p) for p in item['loc']) or '(top level)'}: {item['msg']}"
            for item in cause.errors(include_url=False)
        ]
        raise error("\n".join(problems)) from cause


class UnsetVariable(LookupError):
    """A ``${NAME}`` whose variable is unset or empty, and the field that names it."""

    def __init__(self, field: str, name: str) -> None:
        super().__init__(f"{field}: ${{{name}}} is unset or empty in the environment")
        self.field, self.name = field, name


def expand_variables(value: object, environment: Mapping[str, str], field: str = "") -> object:
    """``value`` with every ``${NAME}`` in its strings replaced from ``environment`` (keys are
    left as written); an unset or empty variable raises :class:`UnsetVariable`."""
    if isinstance(value, str):

        def substitute(match: re.Match[str]) -> str:
            if not environment.get(match.group(1)):
                raise UnsetVariable(field or "(top level)", match.group(1))
            return environment[match.group(1)]

        return _VARIABLE.sub(substitute, value)
    if isinstance(value, dict | list):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        done = {k: expand_variables(v, environment, f"{field}.{k}" if field else str(k)) for k, v in items}
        return done if isinstance(value, dict) else list(done.values())
    return value

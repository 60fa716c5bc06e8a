"""Choices a command's parser offers but another module defines, loaded only when argparse
checks or lists them: building the parser (``cckpi --version``, ``--help``) imports nothing
behind them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from importlib import import_module
from typing import overload


class Deferred(Sequence[str]):
    """``module.name`` (a sequence of strings), imported on first use. Give the argument a
    ``metavar``: argparse lists choices in the usage line as soon as the argument is added."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def _values(self) -> Sequence[str]:
        return tuple(getattr(import_module(self.module), self.name))

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._values()[index]

    def __len__(self) -> int:
        return len(self._values())

    def __contains__(self, value: object) -> bool:
        return value in self._values()

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

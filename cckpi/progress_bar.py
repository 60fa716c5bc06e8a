"""Progress of long work on the terminal: a bar with the rate and the time left.

The work reports how far it is through :func:`streams.batch.parallel.messages_done` (shared with its
forked workers); a thread here polls it. Nothing is drawn when stderr is not a terminal, so
logs and pipes stay clean.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

POLL_S = 0.2


class RateColumn(ProgressColumn):
    """Messages a second, once rich has measured it."""

    def render(self, task: Task) -> Text:
        return Text("" if not task.speed else f"{task.speed:,.0f} msg/s", style="progress.data.speed")


@contextmanager
def shown(
    description: str, reading: Callable[[], tuple[int, int]], console: Console | None = None
) -> Iterator[None]:
    """Show a bar while the block runs; ``reading`` gives (done, total), total 0 while unknown."""
    console = console or Console(stderr=True)
    if not console.is_terminal:
        yield
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
               TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=None)
        stop = threading.Event()

        def poll() -> None:
            while not stop.wait(POLL_S):
                done, total = reading()
                bar.update(task, completed=done, total=total or None)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        try:
            yield
        finally:
            stop.set()
            poller.join()

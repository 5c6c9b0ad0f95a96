"""A rich progress bar (rows, rows/s, time left) while models are scored."""

from __future__ import annotations

import sys
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
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

# the service's ProgressHook, spelled out so that importing the CLI does not import MLflow
ProgressHook = Callable[[str, int, int], None]


class RowsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} rows/s")


@contextmanager
def scoring_progress(enabled: bool) -> Iterator[ProgressHook | None]:
    """Yield a hook that draws one bar per scored model on stderr (None when not a terminal)."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    progress = Progress(
        TextColumn("scoring {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RowsPerSecond(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    tasks: dict[str, int] = {}

    def hook(label: str, done: int, total: int) -> None:
        if label not in tasks:
            tasks[label] = progress.add_task(label, total=total)
        progress.update(tasks[label], completed=done)  # type: ignore[arg-type]

    with progress:
        yield hook

"""A rich progress bar (rows, rows/s, time left) while models are scored.

Each model's label ("scoring models:/titanic/2") is shown whole: beside its bar when it fits,
else on a line of its own above the bar (folding only if it is wider than the terminal). The
counts are never squeezed out; a narrow terminal drops the speed and elapsed time, and the bar
takes what is left.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from rich.cells import cell_len
from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

# the service's ProgressHook, spelled out so that importing the CLI does not import MLflow
ProgressHook = Callable[[str, int, int], None]

_MIN_BAR = 10  # the narrowest bar worth drawing
_FULL = 60  # from this width on: speed and elapsed time too


class RowsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} rows/s")


def _label(task: Task) -> str:
    return f"scoring {task.description}"


class Label(ProgressColumn):
    """ "scoring LABEL", as plain text (a label is not markup)."""

    def render(self, task: Task) -> Text:
        return Text(_label(task))


def _numbers(width: int) -> list[ProgressColumn]:
    """Rows done of total, then (from _FULL columns on) speed and elapsed time, then time left;
    none of them wraps."""
    columns: list[ProgressColumn] = [MofNCompleteColumn()]
    if width >= _FULL:
        columns += [RowsPerSecond(), TimeElapsedColumn()]
    return [*columns, TimeRemainingColumn()]


def _numbers_width(task: Task, width: int) -> int:
    """Cells the numbers may take, each with its one-cell gap: "891/891", "123,456 rows/s",
    "0:00:05", "0:00:12" (room kept for the speed before it is known, so that the layout does
    not change once it is)."""
    total = len(str(int(task.total or 0)))
    cells = [2 * total + 1, *([14, 7] if width >= _FULL else []), 7]
    return sum(cells) + len(cells)


def _grid(columns: list[ProgressColumn], tasks: list[Task]) -> Table:
    """One row per task; only the bar (the one wrappable column) gives way to a narrow line."""
    table = Table.grid(padding=(0, 1))
    for column in columns:
        table.add_column(no_wrap=not isinstance(column, BarColumn))
    for task in tasks:
        table.add_row(*(column(task) for column in columns))
    return table


class ScoringProgress(Progress):
    """One line per model (label, bar, numbers) when every label fits beside a bar of at least
    _MIN_BAR cells and the numbers; otherwise two lines per model, the label above its bar."""

    def __init__(self, console: Console) -> None:
        super().__init__(console=console, transient=True)

    def get_renderables(self) -> Iterable[RenderableType]:
        tasks = [task for task in self.tasks if task.visible]
        if not tasks:  # also while Progress.__init__ sets up its Live display
            return
        width = self.console.width
        numbers = _numbers(width)
        beside = all(
            cell_len(_label(task)) + 1 + _MIN_BAR + _numbers_width(task, width) <= width
            for task in tasks
        )
        if beside:
            yield _grid([Label(), BarColumn(), *numbers], tasks)
            return
        for task in tasks:
            yield Text(_label(task), overflow="fold")
            yield _grid([BarColumn(), *numbers], [task])


@contextmanager
def scoring_progress(enabled: bool) -> Iterator[ProgressHook | None]:
    """Yield a hook that draws one bar per scored model on stderr (None when not a terminal)."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    progress = ScoringProgress(Console(stderr=True))
    tasks: dict[str, int] = {}

    def hook(label: str, done: int, total: int) -> None:
        if label not in tasks:
            tasks[label] = progress.add_task(label, total=total)
        progress.update(tasks[label], completed=done)  # type: ignore[arg-type]

    with progress:
        yield hook

"""Tables as CSV files: what a page shows, for a spreadsheet.

``csv_of(view)`` writes a ``TableView`` as the dashboard draws it: the header row first, then
each row's cells' text as shown (a cell spanning k columns is followed by k - 1 empty ones, so
the columns line up). Captions, hover hints and the colour of a flagged row are not in the file.
``rows_csv(frame)`` writes the rows of the Disagreements grid as the grid shows them (scores to
four decimals). Both go through ``csv_text``: UTF-8 with a byte order mark, Excel's dialect,
and a cell that a spreadsheet would read as a formula kept as text (``cell_text``).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from champion.presentation.i18n import t
from champion.presentation.table_views import Cell, TableView

if TYPE_CHECKING:
    import pandas as pd

# Excel opens a CSV without a byte order mark in the system's code page (Shift_JIS on a Japanese
# Windows), so Japanese headers and labels come out garbled; the UTF-8 byte order mark makes it
# read the file as UTF-8. pandas (encoding="utf-8-sig"), LibreOffice and Numbers read it too.
BOM = "\ufeff"
SCORE_PREFIX = "score "  # the grid's score columns (shown to four decimals)
# a cell starting with one of these is a formula to a spreadsheet ("=HYPERLINK(...)" in a
# version's description or a feature value would run when the file is opened)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d[\d,]*\.?\d*|\.\d+)([eE][+-]?\d+)?%?")


def cell_text(text: str) -> str:
    """text as a spreadsheet should show it: a number as it is ("-0.0123", "+0.019"), any
    other text a spreadsheet would read as a formula with a leading apostrophe (OWASP's advice
    for CSV injection; Excel shows the text without it)."""
    if text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A CSV file: the byte order mark, the header row, then the rows (see ``cell_text``)."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)  # Excel's dialect: commas, CRLF, quotes only where needed
    writer.writerow([cell_text(h) for h in header])
    writer.writerows([cell_text(text) for text in row] for row in rows)
    return out.getvalue()


def row_texts(row: Sequence[Cell]) -> list[str]:
    """The text of each cell as shown; a cell spanning k columns, then k - 1 empty ones."""
    texts: list[str] = []
    for cell in row:
        texts += [cell.text, *[""] * (cell.span - 1)]
    return texts


def csv_of(view: TableView) -> str:
    """The table as a CSV file: the header row, then the text of every cell as shown."""
    return csv_text(view.header, (row_texts(row) for row in view.rows))


def file_name(model: str, table: str, versions: Sequence[str] = (), *parts: str) -> str:
    """ "champion-titanic-overview-v1-v2.csv": the model, the table, the versions (v<number>)
    and any other parts (a slice column, the threshold), each with the characters a file
    name should not hold replaced by "-"."""
    words = ["champion", model, table, *(f"v{v}" for v in versions), *parts]
    cleaned = (re.sub(r"[^\w.-]+", "-", word).strip("-.") for word in words)
    return "-".join(word for word in cleaned if word) + ".csv"


def grid_text(value: Any, score: bool = False) -> str:
    """A value of the Disagreements grid as the grid shows it: a score to four decimals, a
    whole number without ".0", true / false, nothing for a missing value."""
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalars as Python values
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if score:
            return f"{value:.4f}"
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def rows_csv(frame: pd.DataFrame) -> str:
    """The rows of the Disagreements grid (all of them that frame holds) as a CSV file, each
    value as the grid shows it (``grid_text``)."""
    columns = [str(name) for name in frame.columns]
    scores = [name.startswith(SCORE_PREFIX) for name in columns]
    rows = (
        [grid_text(value, score) for value, score in zip(row, scores, strict=True)]
        for row in frame.itertuples(index=False, name=None)
    )
    return csv_text(columns, rows)


class HistoryRecord(Protocol):
    """An entry of an alias's history as the Registry's timeline shows it (``HistoryEntry`` of
    ``champion.actions``)."""

    @property
    def at(self) -> datetime: ...
    @property
    def user(self) -> str: ...
    @property
    def alias(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def from_version(self) -> str | None: ...
    @property
    def to_version(self) -> str | None: ...
    @property
    def outcome(self) -> str: ...
    @property
    def forced(self) -> bool: ...
    @property
    def gate(self) -> Mapping[str, Any] | None: ...
    @property
    def reason(self) -> str: ...
    @property
    def note(self) -> str | None: ...


# the history's columns (i18n keys "export.<name>") and each one's text of an entry, as the
# Registry's timeline shows it
HISTORY_COLUMNS: tuple[tuple[str, Callable[[HistoryRecord], str]], ...] = (
    ("at", lambda e: f"{e.at:%Y-%m-%d %H:%M:%S}"),
    ("user", lambda e: e.user),
    ("alias", lambda e: f"@{e.alias}"),
    ("action", lambda e: e.action),
    ("from", lambda e: e.from_version or "—"),
    ("to", lambda e: e.to_version or "—"),
    ("outcome", lambda e: e.outcome),
    ("forced", lambda e: "forced" if e.forced else ""),
    ("gate", lambda e: ("passed" if e.gate.get("passed") else "failed") if e.gate else ""),
    ("reason", lambda e: e.reason),
    ("note", lambda e: e.note or ""),
)


def history_view(entries: Sequence[HistoryRecord], lang: str) -> TableView:
    """The history of an alias as a table, newest first as the timeline shows it: when (UTC),
    who, the alias, the move (action, from, to), its outcome, whether it was forced, the gate,
    the reason and the note."""
    header = tuple(t(f"export.{name}", lang) for name, _ in HISTORY_COLUMNS)
    rows = tuple(tuple(Cell(text(e)) for _, text in HISTORY_COLUMNS) for e in entries)
    return TableView(header, rows)

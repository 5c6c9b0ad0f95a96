"""Reading what the CLI printed for a terminal of any width.

Rich wraps a table's cells to the terminal: at 40 columns "titanic" in a narrow column may be
printed as "titan" and "ic" on two lines. These helpers undo only that wrapping, so a test can
ask whether a column holds a value at any width, and still fails when the value is missing or
in another column.
"""

from __future__ import annotations

BODY = "│"  # rich's default box draws body rows with this (the header uses "┃")


def squeeze(text: str) -> str:
    """text without any whitespace: what is left of wrapped text whatever the width."""
    return "".join(text.split())


def table_columns(output: str) -> list[str]:
    """The body of the first table in output, column by column: each column's lines (every
    row, wrapped or folded) joined and squeezed. An output without a table gives []."""
    columns: list[list[str]] = []
    in_table = False
    for line in output.splitlines():
        stripped = line.strip()
        if not stripped.startswith(BODY):
            if in_table:
                break
            continue
        in_table = True
        cells = stripped.strip(BODY).split(BODY)
        if not columns:
            columns = [[] for _ in cells]
        assert len(cells) == len(columns), f"not one table: {line!r}"
        for column, cell in zip(columns, cells, strict=True):
            column.append(cell)
    return [squeeze("".join(column)) for column in columns]


def in_a_column(text: str, output: str) -> bool:
    """Whether one column of the first table in output holds text, wrapped or not. A column's
    rows run together: look for text that neighbouring cells could not make up by chance."""
    return any(squeeze(text) in column for column in table_columns(output))

"""champion.presentation.exports: tables as CSV files, read back cell by cell."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest

from champion.presentation.exports import (
    BOM,
    cell_text,
    csv_of,
    file_name,
    grid_text,
    history_view,
    rows_csv,
)
from champion.presentation.table_views import Cell, TableView


def read(text: str) -> list[list[str]]:
    """The rows of a CSV file written by csv_of (the byte order mark checked and dropped)."""
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM) :], newline="")))


VIEW = TableView(
    header=("Metric", "version 1 (baseline)", "version 2", "Δ version 2"),
    rows=(
        (Cell("ROC AUC", "hint"), Cell("0.8123 [0.7400, 0.8800]"), Cell("0.83"), Cell("—")),
        (Cell('a "quoted", comma'), Cell("line\nbreak"), Cell(""), Cell("1,234")),
    ),
    caption="not in the file",
)


def test_csv_of_reads_back_as_the_header_then_each_cells_text() -> None:
    rows = read(csv_of(VIEW))
    assert rows[0] == list(VIEW.header)
    assert rows[1:] == [[cell.text for cell in row] for row in VIEW.rows]


def test_the_file_is_utf8_with_a_byte_order_mark_and_crlf_lines() -> None:
    data = csv_of(VIEW).encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    # what Excel, pandas and LibreOffice read as UTF-8 with a BOM
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(frame.columns) == list(VIEW.header)


def test_japanese_round_trips() -> None:
    view = TableView(
        ("指標", "バージョン 1 (ベースライン)", "バージョン 2"),
        ((Cell("正解率"), Cell("0.81 [0.76, 0.86]"), Cell("有意差なし")),),
    )
    text = csv_of(view)
    assert read(text) == [list(view.header), ["正解率", "0.81 [0.76, 0.86]", "有意差なし"]]
    assert text.encode("utf-8").decode("utf-8-sig").startswith("指標,")


def test_a_spanning_cell_keeps_the_columns_in_line() -> None:
    view = TableView(("model", "a", "b", "c"), ((Cell("v1"), Cell("unmet", span=3)),))
    assert read(csv_of(view))[1] == ["v1", "unmet", "", ""]


def test_an_empty_table_is_its_header() -> None:
    assert read(csv_of(TableView(("a", "b"), ()))) == [["a", "b"]]


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+0.0190 [-0.0180, +0.0560] (p = 0.319)", "'+0.0190 [-0.0180, +0.0560] (p = 0.319)"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("\tx", "'\tx"),
        ("-0.0123", "-0.0123"),  # numbers stay numbers
        ("+0.019", "+0.019"),
        ("-1,234", "-1,234"),
        ("-12.5%", "-12.5%"),
        ("1e-05", "1e-05"),
        ("0.5", "0.5"),
        ("—", "—"),
        ("plain", "plain"),
    ],
)
def test_text_a_spreadsheet_would_run_as_a_formula_is_kept_as_text(text: str, written: str) -> None:
    assert cell_text(text) == written
    view = TableView(("h",), ((Cell(text),),))
    assert read(csv_of(view))[1] == [written]


def test_file_names_name_the_model_the_table_and_the_versions() -> None:
    assert file_name("titanic", "overview", ["1", "2"]) == "champion-titanic-overview-v1-v2.csv"
    assert file_name("team/model x", "slices", ["3"], "Age") == (
        "champion-team-model-x-slices-v3-Age.csv"
    )
    assert file_name("タイタニック", "versions") == "champion-タイタニック-versions.csv"
    assert file_name("../..", "history") == "champion-history.csv"


@pytest.mark.parametrize(
    ("value", "score", "shown"),
    [
        (None, False, ""),
        (float("nan"), False, ""),
        (22.0, False, "22"),
        (7.25, False, "7.25"),
        (np.float64(0.1), False, "0.1"),
        (np.int64(3), False, "3"),
        (True, False, "true"),
        (np.bool_(False), False, "false"),
        ("male", False, "male"),
        (0.123456, True, "0.1235"),
        (np.float32(0.5), True, "0.5000"),
        (datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), False, "2024-01-02T03:04:05+00:00"),
    ],
)
def test_grid_values_as_the_grid_shows_them(value: Any, score: bool, shown: str) -> None:
    assert grid_text(value, score) == shown


def test_rows_csv_writes_every_row_with_scores_to_four_decimals() -> None:
    frame = pd.DataFrame(
        {
            "row": [4, 9],
            "Sex": ["female", None],
            "Age": [22.0, float("nan")],
            "label": [1, 0],
            "score version 1": [0.912345, 0.1],
            "score version 2": [0.2, 0.55556],
        }
    )
    rows = read(rows_csv(frame))
    assert rows == [
        ["row", "Sex", "Age", "label", "score version 1", "score version 2"],
        ["4", "female", "22", "1", "0.9123", "0.2000"],
        ["9", "", "", "0", "0.1000", "0.5556"],
    ]


@dataclass(frozen=True)
class Entry:
    at: datetime
    user: str
    alias: str
    action: str
    from_version: str | None
    to_version: str | None
    reason: str
    outcome: str
    forced: bool = False
    gate: dict[str, Any] | None = None
    note: str | None = None


def test_history_view_has_one_row_per_entry_as_the_timeline_shows_it() -> None:
    entries = [
        Entry(datetime(2024, 5, 1, 12, 0, 1), "ops", "champion", "rollback", "2", "1",
              "=bad idea", "applied", forced=True, note="moved back"),
        Entry(datetime(2024, 4, 1, 9, 30), "alice", "champion", "promote", None, "2",
              "better AUC", "applied", gate={"passed": True}),
    ]  # fmt: skip
    view = history_view(entries, "en")
    assert view.header[:3] == ("Time (UTC)", "User", "Alias")
    assert [[c.text for c in row] for row in view.rows] == [
        ["2024-05-01 12:00:01", "ops", "@champion", "rollback", "2", "1", "applied", "forced",
         "", "=bad idea", "moved back"],
        ["2024-04-01 09:30:00", "alice", "@champion", "promote", "—", "2", "applied", "",
         "passed", "better AUC", ""],
    ]  # fmt: skip
    rows = read(csv_of(view))
    assert rows[1][9] == "'=bad idea"  # a reason that is a formula stays text
    assert history_view(entries, "ja").header[0] == "日時 (UTC)"

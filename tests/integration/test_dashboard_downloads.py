"""The CSV buttons by every table: each download callback, called as the browser would (the
stores' keys), sends the table the page draws, cell for cell; the Disagreements file has every
disagreeing row, not only those the grid receives. Over the Titanic demo (binary) and the
penguins demo (three classes)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import dash
import pytest
from dash import html

from champion.dashboard import ids
from champion.dashboard.context import backend, operations
from champion.dashboard.pages import (
    disagreements,
    mc_classes,
    mc_decision,
    mc_overview,
    overview,
    registry,
    registry_actions,
    slices,
    threshold,
    threshold_points,
)
from champion.dashboard.shell import download_words
from champion.presentation.exports import BOM, cell_text, grid_text

from .test_dashboard_multiclass import mc_app, mc_config, mc_ctx, penguins  # noqa: F401

MODEL = "titanic-survival"


def read(sent: Any) -> list[list[str]]:
    """The rows of a file a download callback sent (dcc.send_string's dict)."""
    assert sent["type"] == "text/csv"
    assert sent["base64"] is False
    text = sent["content"]
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM) :], newline="")))


def text_of(content: Any) -> str:
    """A cell's text: a string, or the text of the link or button it holds."""
    return content if isinstance(content, str) else text_of(content.children)


def shown(table: Any) -> list[list[str]]:
    """The header and every row of a table drawn by components.data_table, as the CSV writes
    them (cell_text keeps text a spreadsheet would run as a formula as text)."""
    head = next(part for part in table.children if isinstance(part, html.Thead))
    body = next(part for part in table.children if isinstance(part, html.Tbody))
    rows = [[text_of(th.children) for th in head.children.children]]
    rows += [[text_of(cell.children) for cell in tr.children] for tr in body.children]
    return [[cell_text(text) for text in row] for row in rows]


# ------------------------------------------------------------------------------- binary pages


def test_overview_downloads_the_metrics_and_differences_it_shows(ctx: None) -> None:
    _, _, table, _ = overview.update(["1", "2", "3"], 0.5, "en", None)
    sent = overview.download(1, ["1", "2", "3"], 0.5, "en")
    assert sent["filename"] == f"champion-{MODEL}-overview-v1-v2-v3.csv"
    rows = read(sent)
    assert rows == shown(table)
    assert rows[0][-2:] == ["Δ version 2", "Δ version 3"]  # the deltas are in the same table
    assert rows[1][0] == "Accuracy"


def test_the_japanese_overview_downloads_in_japanese(ctx: None) -> None:
    _, _, table, _ = overview.update(["1", "2"], 0.5, "ja", None)
    sent = overview.download(1, ["1", "2"], 0.5, "ja")
    assert read(sent) == shown(table)
    assert read(sent)[0][:2] == ["指標", "バージョン 1 (基準)"]
    assert sent["content"].encode("utf-8").startswith(b"\xef\xbb\xbf")


def test_nothing_is_sent_without_a_table(ctx: None) -> None:
    assert overview.download(1, [], 0.5, "en") is dash.no_update
    assert disagreements.download(1, ["1"], None, 0.5, "en") is dash.no_update
    assert slices.download(1, ["1", "2"], 0.5, "en", None, None, None) is dash.no_update


def test_slices_download_the_slice_table_of_the_column_picked(ctx: None) -> None:
    column = backend().dataset.features[0]
    picked = (column, "roc_auc", 3)
    _, _, table, *_ = slices.update(["1", "2"], 0.5, "en", *picked, None)
    sent = slices.download(1, ["1", "2"], 0.5, "en", *picked)
    assert sent["filename"] == f"champion-{MODEL}-slices-v1-v2-{column}-roc_auc.csv"
    assert read(sent) == shown(table)


def test_matched_operating_points_download_as_shown(ctx: None) -> None:
    finder = (["1", "2"], "precision", 1, 5, 0.8, False)
    table, *_ = threshold_points.update_matched(*finder, "en", None)
    sent = threshold_points.download_matched(1, *finder, "en")
    assert sent["filename"] == f"champion-{MODEL}-operating-points-v1-v2-precision.csv"
    assert read(sent) == shown(table)
    assert len(read(sent)) == 3  # the header and each version


def test_the_registry_downloads_its_versions_and_the_champions_history(ctx: None) -> None:
    _, table, _ = registry.update("roc_auc", "en", 0.5, None)
    sent = registry.download_versions(1, "en")
    assert sent["filename"] == f"champion-{MODEL}-versions.csv"
    rows = read(sent)
    assert rows == shown(table)
    assert [row[0] for row in rows[1:]] == ["3", "2", "1"]
    history = registry_actions.download_history(1, "en")
    assert history["filename"] == f"champion-{MODEL}-history.csv"
    found = read(history)
    assert found[0][:4] == ["Time (UTC)", "User", "Alias", "Action"]
    assert len(found) == 1 + len(operations().history())


def test_the_disagreements_file_has_every_disagreeing_row_not_only_the_grids(
    ctx: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from champion.workspace import analyses

    monkeypatch.setattr(analyses, "MAX_ROWS", 5)  # the grid receives the first 5
    monkeypatch.setattr(disagreements, "MAX_ROWS", 5)
    _, _, count, records, columns = disagreements.update(["1", "3"], "3", 0.5, "en", None)
    sent = disagreements.download(1, ["1", "3"], "3", 0.5, "en")
    assert sent["filename"] == f"champion-{MODEL}-disagreements-v1-v3-t0.5.csv"
    rows = read(sent)
    one, three = scores("1"), scores("3")
    total = int(((one >= 0.5) != (three >= 0.5)).sum())
    assert len(records) == 5 < total == len(rows) - 1
    assert f"{total} rows" in count
    fields = [c["field"] for c in columns]
    assert rows[0] == fields
    # the grid's rows are the file's first, each value as the grid shows it
    for record, row in zip(records, rows[1:], strict=False):
        texts = [grid_text(record[f], f.startswith("score ")) for f in fields]
        assert row == [cell_text(text) for text in texts]
    listed = {int(row[0]) for row in rows[1:]}
    assert len(listed) == total
    assert all((one[i] >= 0.5) != (three[i] >= 0.5) for i in listed)


def scores(version: str) -> Any:
    """A scored version's scores."""
    found = backend().scored(version)
    assert found is not None
    return found.values


def test_every_table_has_a_csv_button_and_the_labels_follow_the_language(ctx: None) -> None:
    pages = (overview, slices, threshold, disagreements, registry)
    found = set()
    for page in pages:
        layout = page.layout()
        found |= {c.id["table"] for c in walk(layout) if isinstance(getattr(c, "id", None), dict)}
    assert {
        ids.CSV_OVERVIEW,
        ids.CSV_SLICES,
        ids.CSV_MATCHED,
        ids.CSV_DISAGREEMENTS,
        ids.CSV_VERSIONS,
        ids.CSV_HISTORY,
    } <= found
    labels, hints = download_words("ja", 2)
    assert labels == ["CSV ダウンロード"] * 2
    assert hints == [hints[0]] * 2
    assert "CSV" in hints[0]
    assert download_words("en", 1)[0] == ["Download CSV"]


def walk(component: Any) -> Iterator[Any]:
    """component and everything under it."""
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            yield from walk(child)


# --------------------------------------------------------------------------- multiclass pages


@pytest.mark.usefixtures("mc_ctx")
def test_multiclass_tables_download_as_shown() -> None:
    versions = ["1", "2", "3"]
    _, _, table, _ = mc_overview.update(versions, "en", None)
    sent = mc_overview.download(1, versions, "en")
    assert read(sent) == shown(table)
    _, _, classes, *_ = mc_classes.update(versions, None, "en", None)
    sent = mc_classes.download(1, versions, "en")
    assert sent["filename"].endswith("-classes-v1-v2-v3.csv")
    rows = read(sent)
    assert rows == shown(classes)
    assert len(rows) == 1 + len(backend().dataset.classes or ())
    _, _, decision, *_ = mc_decision.update(versions, "ja", None)
    sent = mc_decision.download(1, versions, "ja")
    assert read(sent) == shown(decision)


@pytest.mark.usefixtures("mc_ctx")
def test_multiclass_disagreements_file_has_every_row(monkeypatch: pytest.MonkeyPatch) -> None:
    from champion.workspace import multiclass

    monkeypatch.setattr(multiclass, "MAX_ROWS", 2)
    _, _, _, records, columns = disagreements.update(["1", "3"], "3", 0.5, "en", None)
    sent = disagreements.download(1, ["1", "3"], "3", 0.5, "en")
    rows = read(sent)
    assert sent["filename"].endswith("-disagreements-v1-v3.csv")  # no threshold: the argmax
    assert rows[0] == [c["field"] for c in columns]
    assert len(records) == 2 < len(rows) - 1

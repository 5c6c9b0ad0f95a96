"""Slices: one metric of every selected version on each slice of a column (categories, or
quantile bins of a number), the differences against the baseline, and each challenger's worst
slice flagged."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from champion.dashboard import ids, prepared, spark_notes
from champion.dashboard import multiclass as mc
from champion.dashboard.components import (
    Export,
    alert,
    computing_alert,
    csv_name,
    data_table,
    download_button,
    empty_figure,
    graph,
    page,
    pending_alert,
    send_csv,
    threshold_of,
)
from champion.dashboard.context import backend
from champion.errors import ChampionError
from champion.evaluation import METRICS, SliceTable
from champion.evaluation.multiclass import MULTICLASS_METRICS
from champion.presentation import t
from champion.presentation.figures_slices import slices_figure
from champion.presentation.slice_text import slice_sentences
from champion.presentation.table_views import slices_view


def slice_metrics() -> tuple[list[dict[str, str]], str]:
    """The metrics a slice table can show (the test set's kind decides which), the first
    shown: ROC AUC for two classes, accuracy for more (defined on the smallest slices)."""
    if mc.is_multiclass(backend()):
        return [{"label": s.label, "value": s.name} for s in MULTICLASS_METRICS], "accuracy"
    return [{"label": s.label, "value": s.name} for s in METRICS], "roc_auc"


def layout(**_query: str) -> html.Div:
    if backend().config.spark:  # slice tables need the rows in memory
        return page(spark_notes.note("ui.spark_no_slices"))
    columns = list(backend().dataset.features)
    metrics, first = slice_metrics()
    return page(
        dbc.Row(
            [
                dbc.Col(
                    [
                        dbc.Label(id=ids.SLICE_COLUMN_LABEL, html_for=ids.SLICE_COLUMN),
                        dcc.Dropdown(
                            id=ids.SLICE_COLUMN,
                            options=columns,
                            value=columns[0] if columns else None,
                            clearable=False,
                        ),
                    ],
                    md=4,
                ),
                dbc.Col(
                    [
                        dbc.Label(id=ids.SLICE_METRIC_LABEL, html_for=ids.SLICE_METRIC),
                        dcc.Dropdown(
                            id=ids.SLICE_METRIC,
                            options=metrics,
                            value=first,
                            clearable=False,
                        ),
                    ],
                    md=4,
                ),
                dbc.Col(
                    [
                        dbc.Label(id=ids.SLICE_BINS_LABEL, html_for=ids.SLICE_BINS),
                        dbc.Input(id=ids.SLICE_BINS, type="number", min=1, max=20, value=4),
                    ],
                    md=2,
                ),
            ],
            className="mb-3",
        ),
        html.Div(id=ids.SLICES_ALERT),
        html.P(id=ids.SLICE_SUMMARY, className="lead"),
        download_button(ids.CSV_SLICES, backend().config.lang),
        html.Div(id=ids.SLICE_TABLE),
        graph(ids.SLICE_GRAPH, height=440),
    )


def summary(table: SliceTable, lang: str) -> list[Any]:
    """One sentence per challenger: the slice where it is significantly worse by the most, or
    that no slice is (after Holm's adjustment across the slices judged)."""
    lines: list[Any] = []
    for sentence in slice_sentences(table, lang):
        lines += [sentence, html.Br()]
    return lines[:-1]


def slices_table(table: SliceTable, lang: str) -> dbc.Table:
    """Slice, rows, positives, each version's value, each challenger's difference; a
    challenger's worst slice is the row marked in red."""
    return data_table(slices_view(table, lang), ids.SLICE_ROWS)


def notices_and_table(
    versions: list[str] | None, threshold: float | None, lang: str, chosen: tuple[str, int, str]
) -> tuple[Any, SliceTable | None]:
    """The notices (versions still scored, a table computing in the background) and the slice
    table of the scored versions (None while it computes)."""
    column, bins, metric = chosen
    slicing = (column, bins, metric, threshold_of(threshold))
    sliced = prepared.slices(backend(), versions or [], slicing, lang)
    notices = pending_alert(sliced.pending, lang)
    return notices + computing_alert(sliced.computing, sliced.baseline, lang), sliced.value


def update(
    versions: list[str] | None,
    threshold: float | None,
    lang: str,
    column: str | None,
    metric: str | None,
    bins: int | None,
    _jobs: Any,
) -> tuple[Any, ...]:
    lang = lang or "en"
    labels = (t("ui.slice_column", lang), t("ui.slice_metric", lang), t("ui.bins", lang))
    if not column:
        return alert(t("ui.no_models", lang)), "", None, empty_figure(), *labels
    chosen = (column, int(bins or 4), metric or slice_metrics()[1])
    try:
        notices, table = notices_and_table(versions, threshold, lang, chosen)
    except ChampionError as err:
        return alert(err), "", None, empty_figure(), *labels
    if table is None:  # scoring or computing (said in the notices), or nothing selected
        empty = empty_figure() if notices else empty_figure(t("ui.no_models", lang))
        return notices, "", None, empty, *labels
    figure = slices_figure(table, column, lang=lang)
    return notices, summary(table, lang), slices_table(table, lang), figure, *labels


def download(
    _clicks: int | None,
    versions: list[str] | None,
    threshold: float | None,
    lang: str,
    column: str | None,
    metric: str | None,
    bins: int | None,
) -> Any:
    """The slice table as shown (the column, metric and bins picked), as a CSV file."""
    lang = lang or "en"
    chosen = (str(column), int(bins or 4), metric or slice_metrics()[1])

    def table() -> Export | None:
        found = notices_and_table(versions, threshold, lang, chosen)[1] if column else None
        name = csv_name("slices", versions, str(column), chosen[2])
        return None if found is None else (slices_view(found, lang), name)

    return send_csv(table)


def register(app: dash.Dash) -> None:
    """Attach this module's callbacks to app."""
    app.callback(
        Output(ids.SLICES_ALERT, "children"),
        Output(ids.SLICE_SUMMARY, "children"),
        Output(ids.SLICE_TABLE, "children"),
        Output(ids.SLICE_GRAPH, "figure"),
        Output(ids.SLICE_COLUMN_LABEL, "children"),
        Output(ids.SLICE_METRIC_LABEL, "children"),
        Output(ids.SLICE_BINS_LABEL, "children"),
        Input(ids.VERSIONS_STORE, "data"),
        Input(ids.THRESHOLD_STORE, "data"),
        Input(ids.LANG_STORE, "data"),
        Input(ids.SLICE_COLUMN, "value"),
        Input(ids.SLICE_METRIC, "value"),
        Input(ids.SLICE_BINS, "value"),
        Input(ids.JOBS_STATUS, "children"),
    )(update)
    app.callback(
        Output(ids.csv_download(ids.CSV_SLICES), "data"),
        Input(ids.csv_button(ids.CSV_SLICES), "n_clicks"),
        State(ids.VERSIONS_STORE, "data"),
        State(ids.THRESHOLD_STORE, "data"),
        State(ids.LANG_STORE, "data"),
        State(ids.SLICE_COLUMN, "value"),
        State(ids.SLICE_METRIC, "value"),
        State(ids.SLICE_BINS, "value"),
        prevent_initial_call=True,
    )(download)

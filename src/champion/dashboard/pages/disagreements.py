"""Disagreements: the 2x2 agreement table of the baseline (the champion when selected) and one
challenger at the current threshold, and a sortable, filterable grid of the rows where they
predict different classes (features, label, both scores). On a multiclass test set: the
agreement of their predicted classes (the argmax) and the rows where those differ."""

from __future__ import annotations

from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from champion.dashboard import ids
from champion.dashboard import multiclass as mc
from champion.dashboard.components import (
    Export,
    alert,
    csv_name,
    data_table,
    download_button,
    page,
    pending_alert,
    send_csv,
    threshold_of,
    waiting_alert,
)
from champion.dashboard.context import backend
from champion.dashboard.spark_backend import SPARK_CSV_ROWS
from champion.dashboard.views import Computing
from champion.errors import ChampionError
from champion.presentation import t
from champion.presentation.exports import rows_csv
from champion.presentation.table_views import agreement_view
from champion.workspace import Disagreements, version_label
from champion.workspace.analyses import MAX_ROWS


def layout(**_query: str) -> html.Div:
    return page(
        dbc.Row(
            dbc.Col(
                [
                    dbc.Label(id=ids.DISAGREE_CHALLENGER_LABEL, html_for=ids.DISAGREE_CHALLENGER),
                    dcc.Dropdown(id=ids.DISAGREE_CHALLENGER, clearable=False),
                ],
                md=4,
            ),
            className="mb-3",
        ),
        html.Div(id=ids.DISAGREE_ALERT),
        html.Div(id=ids.AGREEMENT_TABLE, className="mb-3"),
        html.P(id=ids.DISAGREE_COUNT, className="fw-bold"),
        download_button(ids.CSV_DISAGREEMENTS, backend().config.lang),
        dag.AgGrid(
            id=ids.DISAGREE_GRID,
            rowData=[],
            columnDefs=[],
            defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 90},
            dashGridOptions={
                "pagination": True,
                "paginationPageSize": 20,
                "suppressColumnVirtualisation": True,
            },
            columnSize="responsiveSizeToFit",
            style={"height": "520px"},
        ),
    )


def challengers(
    versions: list[str] | None, current: str | None, lang: str
) -> tuple[list[dict[str, str]], str | None, str]:
    """The selected versions other than the baseline; keeps the current choice if still there."""
    label = t("ui.challenger_picker", lang or "en")
    try:
        ordered, _ = backend().ready_and_baseline(versions or [])
    except ChampionError:
        return [], None, label
    others = ordered[1:]
    options = [{"label": version_label(v, lang or "en"), "value": v} for v in others]
    chosen = current if current in others else (others[0] if others else None)
    return options, chosen, label


def agreement_table(found: Disagreements, lang: str) -> dbc.Table:
    """Rows: the baseline right / wrong; columns: the challenger right / wrong."""
    view = agreement_view(found.agreement, found.baseline, found.challenger, found.threshold, lang)
    return data_table(view, ids.AGREEMENT_GRID, bordered=True, style={"maxWidth": "480px"})


def grid(found: Disagreements) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Row data and column definitions; scores are numbers so the grid sorts them as numbers."""
    frame = found.rows
    columns = []
    for name in frame.columns:
        spec: dict[str, Any] = {"field": str(name), "headerName": str(name)}
        if str(name).startswith("score "):
            spec["filter"] = "agNumberColumnFilter"
            spec["valueFormatter"] = {
                "function": "params.value == null ? '' : params.value.toFixed(4)"
            }
        columns.append(spec)
    plain = frame.astype(object).where(frame.notna(), None)
    records = [{str(k): v for k, v in row.items()} for row in plain.to_dict("records")]
    return records, columns


def count_text(found: Disagreements, lang: str) -> str:
    """ "123 rows where version 1 and version 2 disagree" (and how many the grid shows; on a
    Spark-scored test set, whether the CSV download holds them all or is refused)."""
    text = t("ui.disagreeing", lang, count=f"{found.total:,}", a=found.baseline, b=found.challenger)
    if found.total > MAX_ROWS:
        text += t("ui.grid_cap", lang, rows=f"{MAX_ROWS:,}")
    if backend().config.spark:
        key = "ui.spark_csv_refused" if found.total > SPARK_CSV_ROWS else "ui.spark_csv_every"
        text += t(key, lang, limit=f"{SPARK_CSV_ROWS:,}")
    return text


def disagreeing(
    baseline: str, challenger: str, threshold: float | None, lang: str, every: bool = False
) -> Disagreements:
    """Where the baseline and the challenger predict different classes (at the threshold, or
    their argmax on a multiclass test set): the grid's first rows, or every one."""
    if mc.is_multiclass(backend()):  # predicted classes (argmax): no threshold
        return mc.disagreements(backend(), baseline, challenger, lang, every)
    cut = threshold_of(threshold)
    return backend().disagreements(baseline, challenger, cut, lang, every)


def every_row(
    versions: list[str] | None, challenger: str | None, threshold: float | None, lang: str
) -> Export | None:
    """Every row the grid's versions disagree on, as the grid shows them, as CSV text and its
    file name (None: no challenger picked)."""
    ordered, _ = backend().ready_and_baseline(versions or [])
    if len(ordered) < 2 or challenger not in ordered[1:]:
        return None
    found = disagreeing(ordered[0], str(challenger), threshold, lang, every=True)
    cut = () if mc.is_multiclass(backend()) else (f"t{threshold_of(threshold):g}",)
    return rows_csv(found.rows), csv_name("disagreements", [ordered[0], str(challenger)], *cut)


def update(
    versions: list[str] | None, challenger: str | None, threshold: float | None, lang: str, _: Any
) -> tuple[Any, ...]:
    lang = lang or "en"
    try:
        ordered, pending = backend().ready_and_baseline(versions or [])
        if len(ordered) < 2 or challenger not in ordered[1:]:
            notice = pending_alert(pending, lang) or alert(t("ui.need_two", lang), "secondary")
            return notice, None, "", [], []
        found = disagreeing(ordered[0], str(challenger), threshold, lang)
    except Computing as wait:  # the rows are found in the background (a Spark-scored test set)
        return waiting_alert("rows", str(wait)), None, "", [], []
    except ChampionError as err:
        return alert(err), None, "", [], []
    table, count = agreement_table(found, lang), count_text(found, lang)
    return pending_alert(pending, lang), table, count, *grid(found)


def download(
    _clicks: int | None,
    versions: list[str] | None,
    challenger: str | None,
    threshold: float | None,
    lang: str,
) -> Any:
    """Every disagreeing row (not only those the grid receives), as a CSV file."""
    return send_csv(lambda: every_row(versions, challenger, threshold, lang or "en"))


def register(app: dash.Dash) -> None:
    """Attach this module's callbacks to app."""
    app.callback(
        Output(ids.DISAGREE_CHALLENGER, "options"),
        Output(ids.DISAGREE_CHALLENGER, "value"),
        Output(ids.DISAGREE_CHALLENGER_LABEL, "children"),
        Input(ids.VERSIONS_STORE, "data"),
        State(ids.DISAGREE_CHALLENGER, "value"),
        Input(ids.LANG_STORE, "data"),
    )(challengers)
    app.callback(
        Output(ids.DISAGREE_ALERT, "children"),
        Output(ids.AGREEMENT_TABLE, "children"),
        Output(ids.DISAGREE_COUNT, "children"),
        Output(ids.DISAGREE_GRID, "rowData"),
        Output(ids.DISAGREE_GRID, "columnDefs"),
        Input(ids.VERSIONS_STORE, "data"),
        Input(ids.DISAGREE_CHALLENGER, "value"),
        Input(ids.THRESHOLD_STORE, "data"),
        Input(ids.LANG_STORE, "data"),
        Input(ids.JOBS_STATUS, "children"),
    )(update)
    app.callback(
        Output(ids.csv_download(ids.CSV_DISAGREEMENTS), "data"),
        Input(ids.csv_button(ids.CSV_DISAGREEMENTS), "n_clicks"),
        State(ids.VERSIONS_STORE, "data"),
        State(ids.DISAGREE_CHALLENGER, "value"),
        State(ids.THRESHOLD_STORE, "data"),
        State(ids.LANG_STORE, "data"),
        prevent_initial_call=True,
    )(download)

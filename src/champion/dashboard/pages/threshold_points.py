"""Threshold page, under the operating-point finder: each version at the threshold the finder's
criterion chooses for it, the quantity with its interval and each challenger's paired difference,
with a switch to choose on half of the rows and report on the other half (a holdout split)."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html

from champion.dashboard import ids, prepared
from champion.dashboard.components import (
    Export,
    alert,
    computing_alert,
    csv_name,
    data_table,
    download_button,
    send_csv,
)
from champion.dashboard.context import backend
from champion.dashboard.spark_backend import SparkDashboardBackend
from champion.errors import ChampionError
from champion.evaluation.criteria import Criterion
from champion.evaluation.operating import MatchedPoints
from champion.presentation import t
from champion.presentation.point_views import criterion_of, matched_title, matched_view

HOLDOUT_SHARE = 0.5  # the switch chooses on half of the rows and reports on the other half


def matched_section() -> html.Div:
    """A title, the holdout switch (hidden for a Spark-scored test set: in memory only) and
    the table of matched points (filled by update_matched)."""
    hidden = " d-none" if backend().config.spark else ""
    return html.Div(
        [
            html.H6(id=ids.OP_MATCHED_TITLE, className="mt-3"),
            dbc.Switch(id=ids.OP_HOLDOUT, value=False, className="mb-2" + hidden),
            download_button(ids.CSV_MATCHED, backend().config.lang),
            html.Div(id=ids.OP_MATCHED),
        ]
    )


def matched(
    versions: list[str], criterion: Criterion, holdout: float | None, lang: str
) -> tuple[list[Any], MatchedPoints | None]:
    """A notice while the points compute in the background (the page's top says which
    versions are still scored) and the selected versions that are scored at their own
    thresholds (None while none is, or computing)."""
    served = backend()
    if isinstance(served, SparkDashboardBackend):  # on the cluster, every row
        points = served.matched_points(versions, criterion, holdout, lang)
    else:
        points = prepared.matched_points(served, versions, criterion, holdout, lang)
    return computing_alert(points.computing, points.baseline, lang), points.value


def update_matched(
    versions: list[str] | None,
    criterion: str | None,
    cost_fp: float | None,
    cost_fn: float | None,
    constraint: float | None,
    holdout: bool | None,
    lang: str,
    _jobs: Any,
) -> tuple[Any, ...]:
    lang = lang or "en"
    switch = t("ui.op_holdout", lang)
    try:
        chosen = criterion_of(criterion or "cost", (cost_fp, cost_fn), constraint)
        notices, found = matched(versions or [], chosen, HOLDOUT_SHARE if holdout else None, lang)
    except ChampionError as err:
        return alert(err), "", switch
    if found is None:
        return notices, "", switch
    table = data_table(matched_view(found, lang), ids.OP_MATCHED_POINTS)
    return table, matched_title(found, lang), switch


def download_matched(
    _clicks: int | None,
    versions: list[str] | None,
    criterion: str | None,
    cost_fp: float | None,
    cost_fn: float | None,
    constraint: float | None,
    holdout: bool | None,
    lang: str,
) -> Any:
    """The matched operating points as shown (the finder's criterion), as a CSV file."""
    lang = lang or "en"

    def table() -> Export | None:
        chosen = criterion_of(criterion or "cost", (cost_fp, cost_fn), constraint)
        found = matched(versions or [], chosen, HOLDOUT_SHARE if holdout else None, lang)[1]
        name = csv_name("operating-points", versions, criterion or "cost")
        return None if found is None else (matched_view(found, lang), name)

    return send_csv(table)


def register(app: dash.Dash) -> None:
    """Attach this module's callback to app."""
    app.callback(
        Output(ids.OP_MATCHED, "children"),
        Output(ids.OP_MATCHED_TITLE, "children"),
        Output(ids.OP_HOLDOUT, "label"),
        Input(ids.VERSIONS_STORE, "data"),
        Input(ids.OP_CRITERION, "value"),
        Input(ids.OP_COST_FP, "value"),
        Input(ids.OP_COST_FN, "value"),
        Input(ids.OP_CONSTRAINT, "value"),
        Input(ids.OP_HOLDOUT, "value"),
        Input(ids.LANG_STORE, "data"),
        Input(ids.JOBS_STATUS, "children"),
    )(update_matched)
    app.callback(
        Output(ids.csv_download(ids.CSV_MATCHED), "data"),
        Input(ids.csv_button(ids.CSV_MATCHED), "n_clicks"),
        State(ids.VERSIONS_STORE, "data"),
        State(ids.OP_CRITERION, "value"),
        State(ids.OP_COST_FP, "value"),
        State(ids.OP_COST_FN, "value"),
        State(ids.OP_CONSTRAINT, "value"),
        State(ids.OP_HOLDOUT, "value"),
        State(ids.LANG_STORE, "data"),
        prevent_initial_call=True,
    )(download_matched)

"""Small layout pieces shared by the pages."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from champion.errors import ChampionError

GRAPH_CONFIG: Any = {"displaylogo": False, "responsive": True}


def graph(component_id: str, height: int = 420) -> dcc.Graph:
    return dcc.Graph(id=component_id, config=GRAPH_CONFIG, style={"height": f"{height}px"})


def empty_figure(message: str = "") -> go.Figure:
    figure = go.Figure()
    figure.update_layout(
        template="plotly_white",
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[{"text": message, "showarrow": False, "font": {"size": 14}}]
        if message
        else [],
    )
    return figure


def alert(error: ChampionError | str, color: str = "danger") -> dbc.Alert:
    """An alert with what went wrong and what to do (the error's message says both)."""
    return dbc.Alert(str(error), color=color, className="mb-2")


def pending_alert(pending: tuple[str, ...], lang: str) -> list[dbc.Alert]:
    if not pending:
        return []
    names = ", ".join(f"version {v}" for v in pending)
    text = (
        f"{names}: scoring on the test set in the background; the page updates when done."
        if lang != "ja"
        else f"{names}: テストセットで採点中です。完了すると自動で更新されます。"
    )
    return [dbc.Alert(text, color="info", className="mb-2")]


def computing_alert(challengers: tuple[str, ...], baseline: str | None, lang: str) -> list[Any]:
    """Paired comparisons running in the background (large test sets)."""
    if not challengers:
        return []
    names = ", ".join(f"version {v}" for v in challengers)
    text = (
        f"{names} vs version {baseline}: computing paired intervals in the background; "
        "the page updates when done."
        if lang != "ja"
        else f"{names} と version {baseline} の対応のある比較を計算中です。"
        "完了すると自動で更新されます。"
    )
    return [dbc.Alert(text, color="info", className="mb-2", id="computing-alert")]


def page(*children: Any) -> html.Div:
    return html.Div(list(children), className="pt-2")

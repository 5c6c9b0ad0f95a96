"""Small layout pieces shared by the pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html
from dash.dcc.express import send_string

from champion.dashboard import ids
from champion.dashboard.context import backend
from champion.errors import ChampionError
from champion.evaluation import Confusion
from champion.presentation import fmt_percent, t
from champion.presentation.exports import csv_of, file_name
from champion.presentation.table_views import Cell, TableView
from champion.workspace import DEFAULT_THRESHOLD, version_label

GRAPH_CONFIG: Any = {"displaylogo": False, "responsive": True}


def graph(component_id: str, height: int = 420) -> dcc.Graph:
    """A chart; the modebar's camera saves it as champion-<id>.png (assets/svg_download.js
    adds a second button saving it as SVG)."""
    config: Any = {**GRAPH_CONFIG, "toImageButtonOptions": {"filename": f"champion-{component_id}"}}
    return dcc.Graph(id=component_id, config=config, style={"height": f"{height}px"})


def download_button(table: str, lang: str) -> html.Div:
    """The "Download CSV" button by a table (table: an ids.CSV_ key) and the dcc.Download its
    page's download callback fills (see send_csv); the label follows the language
    (shell.translate_downloads)."""
    button = dbc.Button(
        t("export.csv", lang),
        id=ids.csv_button(table),
        title=t("export.csv_hint", lang),
        size="sm",
        color="secondary",
        outline=True,
    )
    return html.Div(
        [button, dcc.Download(id=ids.csv_download(table))],
        className="d-flex justify-content-end mb-1",
    )


#: what a download callback makes: the table a page shows (or its CSV text) and the file's name
Export = tuple[TableView | str, str]


def send_csv(make: Callable[[], Export | None]) -> Any:
    """A download callback's answer: the table make() recomputes from the stores through the
    page's own functions, as a CSV file (csv_of) under its name; nothing while the page shows
    no table (versions still scored, a result computing, an error the page shows)."""
    try:
        made = make()
    except ChampionError:
        made = None
    if made is None:
        return dash.no_update
    table, name = made
    text = table if isinstance(table, str) else csv_of(table)
    return send_string(text, name, type="text/csv")  # type: ignore[no-untyped-call]


def csv_name(table: str, versions: Sequence[str] | None = (), *parts: str) -> str:
    """ "champion-titanic-overview-v1-v2.csv": the served model, the table, the versions and
    any other parts (see presentation.exports.file_name)."""
    return file_name(backend().config.model_name, table, versions or (), *parts)


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


def waiting_alert(what: str, text: str, alert_id: str | None = None) -> html.Div:
    """An info alert saying work runs in the background and the page updates when done,
    wrapped in ids.waiting(what): the activity poll keeps running while it is shown, so the
    page is told when the work it started is done, even when that work was started after
    the poll's last look found nothing running."""
    shown = dbc.Alert(text, color="info", className="mb-2")
    if alert_id is not None:
        shown.id = alert_id
    return html.Div(shown, id=ids.waiting(what))


def pending_alert(pending: tuple[str, ...], lang: str) -> list[html.Div]:
    """The versions still being scored in the background."""
    if not pending:
        return []
    names = ", ".join(version_label(v, lang) for v in pending)
    text = (
        f"{names}: scoring on the test set in the background; the page updates when done."
        if lang != "ja"
        else f"{names}: テストセットで採点中です。完了すると自動で更新されます。"
    )
    return [waiting_alert("scoring", text)]


def computing_alert(challengers: tuple[str, ...], baseline: str | None, lang: str) -> list[Any]:
    """Paired comparisons running in the background (large test sets)."""
    if not challengers:
        return []
    names = ", ".join(version_label(v, lang) for v in challengers)
    base = version_label(baseline or "", lang)
    text = (
        f"{names} vs {base}: computing paired intervals in the background; "
        "the page updates when done."
        if lang != "ja"
        else f"{names} と {base} の対応のある比較を計算中です。完了すると自動で更新されます。"
    )
    return [waiting_alert("pair", text, ids.COMPUTING_ALERT)]


TONE_CLASSES = {
    "better": "text-success",
    "worse": "text-danger",
    "notable": "table-warning",
    "code": "font-monospace small",
}
Action = Callable[[str, str, bool], Any]  # (key, label, disabled) -> the button of a cell


def cell_content(cell: Cell, action: Action | None) -> Any:
    """What a cell shows: its text, as a link or a button when it has one."""
    if cell.action is not None and action is not None:
        return action(cell.action, cell.text, cell.tone == "disabled")
    if cell.link is not None:
        return html.A(
            cell.text,
            href=cell.link,
            target="_blank",
            rel="noopener noreferrer",
            title=cell.hint,
            className="run-link",
        )
    return cell.text


def table_row(row: tuple[Cell, ...], headed: bool, action: Action | None) -> list[Any]:
    """The cells of a row (the first as a heading when headed)."""
    return [
        (html.Th if headed and i == 0 else html.Td)(
            cell_content(cell, action),
            title=cell.hint,
            className=TONE_CLASSES.get(cell.tone or "", ""),
            colSpan=cell.span,
        )
        for i, cell in enumerate(row)
    ]


def data_table(
    view: TableView, table_id: str, action: Action | None = None, **props: Any
) -> dbc.Table:
    """The one way the pages draw a table: a caption, a header, cells with their hints, tones,
    links and buttons (action draws them), the flagged rows marked."""
    body = [
        html.Tr(
            table_row(row, view.row_headings, action),
            className="table-danger" if i in view.flagged else "",
        )
        for i, row in enumerate(view.rows)
    ]
    parts: list[Any] = (
        [html.Caption(view.caption, style={"captionSide": "top"})] if view.caption else []
    )
    parts += [html.Thead(html.Tr([html.Th(h) for h in view.header])), html.Tbody(body)]
    settings = {"size": "sm", "hover": True, "responsive": True, **props}
    return dbc.Table(parts, id=table_id, **settings)


def threshold_of(value: float | None) -> float:
    """The threshold a page was given (its store may still be empty: the default)."""
    return DEFAULT_THRESHOLD if value is None else float(value)


def evaluation_notices(evaluated: Any, lang: str) -> list[Any]:
    """The versions still scored and the comparisons still computing, as notices."""
    pending = pending_alert(evaluated.pending, lang)
    return pending + computing_alert(evaluated.computing, evaluated.baseline, lang)


def page(*children: Any) -> html.Div:
    return html.Div(list(children), className="pt-2")


def _tint(colour: str, strength: float) -> str:
    """colour (#rrggbb) at strength 0..1 over white, as rgba()."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {0.08 + 0.8 * strength:.2f})"


def confusion_table(
    confusion: Confusion, model: str, threshold: float, colour: str, lang: str
) -> html.Div:
    """The 2x2 confusion counts as a small table (rows actual, columns predicted), each cell
    "True negative / 1,234 / 45.6%" tinted by its count, like the report's heatmap but
    cheap enough to redraw on every move of the threshold."""
    c = confusion
    total = c.tn + c.fp + c.fn + c.tp
    largest = max(c.tn, c.fp, c.fn, c.tp) or 1.0
    negative, positive = t("word.negative", lang), t("word.positive", lang)

    def cell(key: str, value: float) -> html.Td:
        share = fmt_percent(round(value / total, 3)) if total else "—"
        count = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
        return html.Td(
            [
                html.Div(t(key, lang), className="small"),
                html.Div(count, className="fw-bold"),
                share,
            ],
            style={"backgroundColor": _tint(colour, value / largest), "textAlign": "center"},
        )

    title = t("chart.confusion_of", lang, model=model, threshold=f"{threshold:.4g}")
    return html.Div(
        [
            html.Div(title, className="small fw-semibold mb-1"),
            dbc.Table(
                [
                    html.Thead(
                        html.Tr(
                            [
                                html.Th(f"{t('axis.actual', lang)} \\ {t('axis.predicted', lang)}"),
                                html.Th(negative),
                                html.Th(positive),
                            ]
                        )
                    ),
                    html.Tbody(
                        [
                            html.Tr(
                                [
                                    html.Th(negative),
                                    cell("confusion.tn", c.tn),
                                    cell("confusion.fp", c.fp),
                                ]
                            ),
                            html.Tr(
                                [
                                    html.Th(positive),
                                    cell("confusion.fn", c.fn),
                                    cell("confusion.tp", c.tp),
                                ]
                            ),
                        ]
                    ),
                ],
                bordered=True,
                size="sm",
                className="mb-0",
            ),
        ],
        className="confusion mb-2",
    )

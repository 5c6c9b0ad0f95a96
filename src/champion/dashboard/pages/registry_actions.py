"""The Registry page's Promote and Roll back controls and the history timeline.

Operators (see ``champion.dashboard.auth``) see a version picker and two buttons; each opens a
confirmation dialog with the move, the gate verdict (a promotion replacing a champion), a
required reason and the version number to type again. The write callback checks the user's
role on the server every time: the controls being hidden is not the protection. The dialog
keeps only keys in its store (action, version, the champion the user saw); the write runs
compare-and-set against that champion, so a champion moved meanwhile is a conflict, not a
silent overwrite.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from champion.actions import HistoryEntry, verify_history
from champion.dashboard import auth, ids
from champion.dashboard.components import alert, csv_name, data_table, download_button, send_csv
from champion.dashboard.context import backend, operations
from champion.dashboard.operations import InvalidAction, Operations, Preview, check_action
from champion.errors import ChampionError
from champion.evaluation import GateCheck
from champion.models.refs import CHAMPION_ALIAS
from champion.presentation import t
from champion.presentation.exports import history_view
from champion.presentation.table_views import gate_view

log = logging.getLogger("champion.audit")

KEEP = dash.no_update
OUTCOME_COLOURS = {"applied": "success", "conflict": "warning", "refused": "danger"}


def section() -> html.Div:
    """Status line, the operator controls (filled in when the user may write), the dialog and
    the history timeline."""
    return html.Div(
        [
            html.P(id=ids.CHAMPION_STATUS, className="fw-semibold mt-3"),
            html.Div(id=ids.ACTIONS_PANEL),
            html.Div(id=ids.ACTION_RESULT),
            dcc.Store(id=ids.ACTION_STORE),
            dcc.Store(id=ids.REGISTRY_REFRESH, data=0),
            dbc.Modal(
                [
                    dbc.ModalHeader(dbc.ModalTitle(id=ids.ACTION_TITLE)),
                    dbc.ModalBody(
                        [
                            html.Div(id=ids.ACTION_SUMMARY, className="mb-3"),
                            dbc.Label(id=ids.ACTION_REASON_LABEL, html_for=ids.ACTION_REASON),
                            dbc.Textarea(id=ids.ACTION_REASON, className="mb-2"),
                            dbc.Label(id=ids.ACTION_TYPED_LABEL, html_for=ids.ACTION_TYPED),
                            dbc.Input(id=ids.ACTION_TYPED, type="text", className="mb-2"),
                            dbc.Checkbox(id=ids.ACTION_FORCE, value=False),
                        ]
                    ),
                    dbc.ModalFooter(
                        [
                            dbc.Button(id=ids.ACTION_CANCEL, color="secondary"),
                            dbc.Button(id=ids.ACTION_CONFIRM, color="primary"),
                        ]
                    ),
                ],
                id=ids.ACTION_MODAL,
                is_open=False,
            ),
            html.H5(id=ids.HISTORY_TITLE, className="mt-4"),
            download_button(ids.CSV_HISTORY, backend().config.lang),
            html.Div(id=ids.HISTORY_TIMELINE),
        ]
    )


def controls(version_options: list[dict[str, str]], lang: str) -> Any:
    """The operator's picker and buttons; nothing for anyone else."""
    if not auth.can_write():
        return html.Div(t("act.read_only", lang), className="text-muted small")
    return dbc.Row(
        [
            dbc.Col(
                dcc.Dropdown(
                    id=ids.PROMOTE_VERSION,
                    options=version_options,
                    placeholder=t("act.pick", lang),
                    clearable=False,
                ),
                md=3,
            ),
            dbc.Col(
                dbc.Button(t("act.promote", lang), id=ids.PROMOTE_OPEN, color="primary"),
                width="auto",
            ),
            dbc.Col(
                dbc.Button(t("act.rollback", lang), id=ids.ROLLBACK_OPEN, color="outline-danger"),
                width="auto",
            ),
        ],
        align="center",
        className="g-2",
    )


def gate_table(gate: GateCheck, lang: str) -> html.Div:
    """Every rule of the gate with its numbers and reason, under the verdict."""
    verdict = gate.verdict
    head = t(
        "act.gate",
        lang,
        result=t("act.passed" if verdict.passed else "act.failed", lang),
        challenger=gate.challenger_version,
        champion=gate.champion_version,
        rows=f"{gate.rows:,}",
    )
    colour = "text-success" if verdict.passed else "text-danger"
    rules = data_table(gate_view(gate, lang), ids.GATE_RULES, hover=False, className="mb-0")
    return html.Div([html.Div(head, className=f"fw-bold {colour}"), rules])


def status_line(
    ops: Operations, current: str | None, history: list[HistoryEntry], lang: str
) -> str:
    """The champion's status, then what ``verify_history`` finds wrong with its history."""
    text = ops.status(current, history).text
    problems = verify_history(ops.writer, ops.name, CHAMPION_ALIAS)
    if not problems:
        return text
    found = "; ".join(p.message for p in problems)
    return f"{text} · {t('act.history_problems', lang, problems=found)}"


def timeline(entries: list[HistoryEntry], lang: str) -> Any:
    """The history, newest first: when, who, the move, outcome, forced, gate, reason."""
    if not entries:
        return html.Div(t("act.no_history", lang), className="text-muted small")
    items = []
    for e in entries:
        move = f"{e.action}: version {e.from_version or '—'} → version {e.to_version or '—'}"
        badge = dbc.Badge(e.outcome, color=OUTCOME_COLOURS.get(e.outcome, "secondary"))
        details = [html.Span(f"{e.at:%Y-%m-%d %H:%M:%S} UTC · {e.user} · @{e.alias}")]
        if e.forced:
            details.append(dbc.Badge("forced", color="danger", className="ms-2"))
        gate = e.gate or {}
        if gate:
            details.append(html.Span(f" · gate {'passed' if gate.get('passed') else 'failed'}"))
        items.append(
            dbc.ListGroupItem(
                [
                    html.Div([html.Strong(move), " ", badge]),
                    html.Div(details, className="small text-muted"),
                    html.Div(e.reason, className="small"),  # a string child: shown as text
                    html.Div(e.note or "", className="small text-muted"),
                ],
                className="history-entry",
            )
        )
    return dbc.ListGroup(items, flush=True)


def refresh(_metric: Any, _refresh: int, lang: str | None = None) -> tuple[Any, ...]:
    """Status, controls and history, read afresh from the registry."""
    lang = lang or "en"
    try:
        ops = operations()
        model = backend().model(fresh=True)
        options = [{"label": f"version {v.version}", "value": v.version} for v in model.versions]
        history = ops.history()
        status = status_line(ops, model.aliases.get(CHAMPION_ALIAS), history, lang)
    except ChampionError as err:
        return str(err), alert(err), None, t("act.history", lang)
    return status, controls(options, lang), timeline(history, lang), t("act.history", lang)


@dataclass(frozen=True)
class DialogView:
    """What the promote / roll back dialog shows after a click: open or not, the result notice
    under the controls, and (when it opens) every text and field of the dialog. A field left
    as KEEP stays as the page has it."""

    is_open: bool
    result: Any = None
    title: Any = KEEP
    summary: Any = KEEP
    store: Any = KEEP
    typed_label: Any = KEEP
    reason: Any = KEEP
    typed: Any = KEEP
    force: Any = KEEP
    force_style: Any = KEEP
    reason_label: Any = KEEP
    force_label: Any = KEEP
    cancel: Any = KEEP
    confirm: Any = KEEP

    def outputs(self) -> tuple[Any, ...]:
        """The values in the order of DIALOG_OUTPUTS."""
        return tuple(getattr(self, f.name) for f in fields(self))


# the component property each DialogView field goes to, in the order of its fields
DIALOG_OUTPUTS = (
    Output(ids.ACTION_MODAL, "is_open"),
    Output(ids.ACTION_RESULT, "children"),
    Output(ids.ACTION_TITLE, "children"),
    Output(ids.ACTION_SUMMARY, "children"),
    Output(ids.ACTION_STORE, "data"),
    Output(ids.ACTION_TYPED_LABEL, "children"),
    Output(ids.ACTION_REASON, "value"),
    Output(ids.ACTION_TYPED, "value"),
    Output(ids.ACTION_FORCE, "value"),
    Output(ids.ACTION_FORCE, "style"),
    Output(ids.ACTION_REASON_LABEL, "children"),
    Output(ids.ACTION_FORCE, "label"),
    Output(ids.ACTION_CANCEL, "children"),
    Output(ids.ACTION_CONFIRM, "children"),
)


def dialog_for(preview: Preview, lang: str) -> DialogView:
    """The open dialog for a previewed move: every field starts empty, and forcing is offered
    only where a gate failed."""
    summary: list[Any] = [html.P(preview.message.removeprefix("dry run (nothing written): "))]
    if preview.gate is not None:
        summary.append(gate_table(preview.gate, lang))
    failed = preview.gate is not None and not preview.gate.verdict.passed
    return DialogView(
        is_open=True,
        title=t(f"act.title_{preview.action}", lang, version=preview.version),
        summary=summary,
        store={"action": preview.action, "version": preview.version, "expected": preview.expected},
        typed_label=t("act.typed", lang, version=preview.version),
        reason="",
        typed="",
        force=False,
        force_style={} if failed else {"display": "none"},
        reason_label=t("act.reason", lang),
        force_label=t("act.force", lang),
        cancel=t("act.cancel", lang),
        confirm=t("act.confirm", lang),
    )


def preview_for(trigger: object, version: str | None) -> Preview:
    """The move an operator's click asks for, previewed (nothing written)."""
    auth.require_operator("open the promote / roll back dialog")
    if trigger == ids.ROLLBACK_OPEN:
        return operations().preview_rollback()
    if not version:
        raise PickFirst
    return operations().preview_promotion(str(version))


class PickFirst(ChampionError):
    """Promote was clicked before a version was picked."""


def open_dialog(
    _promote: int | None, _rollback: int | None, version: str | None, lang: str | None = None
) -> tuple[Any, ...]:
    """Prepare the confirmation: the move, the gate and what to type; nothing is written."""
    lang = lang or "en"
    trigger = dash.ctx.triggered_id
    if trigger not in (ids.PROMOTE_OPEN, ids.ROLLBACK_OPEN) or not dash.ctx.triggered[0]["value"]:
        raise dash.exceptions.PreventUpdate
    try:
        preview = preview_for(trigger, version)
    except PickFirst:
        return DialogView(False, alert(t("act.pick_first", lang), "warning"), store=None).outputs()
    except ChampionError as err:
        return DialogView(False, alert(err), store=None).outputs()
    return dialog_for(preview, lang).outputs()


def refusal(store: dict[str, Any], reason: str | None, typed: str | None, lang: str) -> Any:
    """Why the confirmation cannot go ahead (an alert), or None."""
    version = str(store.get("version") or "")
    if (typed or "").strip() != version:
        return alert(t("act.type_to_confirm", lang, version=version), "warning")
    if not (reason or "").strip():
        return alert(t("act.need_reason", lang), "warning")
    return None


def stored_preview(store: dict[str, Any]) -> Preview:
    """The move the dialog showed, from its store (keys only): "promote" or "rollback" of a
    positive version. Anything else is not a request the dialog makes (a forged callback): it
    is logged on champion.audit and refused with InvalidAction, nothing is written."""
    action, version, expected = store.get("action"), store.get("version"), store.get("expected")
    try:
        action, version = check_action(action, version, expected)
    except InvalidAction as err:
        log.warning(
            "refused: %s store=%r",
            err,
            {str(k)[:20]: str(v)[:40] for k, v in list(store.items())[:5]},
        )
        raise
    return Preview(action, version, expected, None, "")


def confirm(
    _clicks: int | None,
    store: dict[str, Any] | None,
    reason: str | None,
    typed: str | None,
    force: bool | None,
    refreshed: int | None,
    lang: str | None = None,
) -> tuple[Any, ...]:
    """The write: checked for the operator role here, on the server, every time."""
    if not _clicks or not store:
        raise dash.exceptions.PreventUpdate
    moved = (refreshed or 0) + 1  # the registry page reads the registry again
    try:
        user = auth.require_operator(f"{store.get('action')} version {store.get('version')}")
        refused = refusal(store, reason, typed, lang or "en")
        if refused is not None:
            return True, refused, dash.no_update
        result = operations().apply(stored_preview(store), reason or "", user.name, bool(force))
    except ChampionError as err:
        return False, alert(err), moved
    log.info("%s by %s: %s", result.action, user.name, result.message)
    return False, alert(result.message, OUTCOME_COLOURS.get(result.outcome, "info")), moved


def close(_clicks: int | None) -> bool:
    return False


def download_history(_clicks: int | None, lang: str) -> Any:
    """The history of @champion (the timeline, newest first) as a CSV file."""
    return send_csv(
        lambda: (history_view(operations().history(), lang or "en"), csv_name("history"))
    )


def register(app: dash.Dash) -> None:
    """Attach the callbacks of the controls to app."""
    app.callback(
        Output(ids.CHAMPION_STATUS, "children"),
        Output(ids.ACTIONS_PANEL, "children"),
        Output(ids.HISTORY_TIMELINE, "children"),
        Output(ids.HISTORY_TITLE, "children"),
        Input(ids.TREND_METRIC, "value"),
        Input(ids.REGISTRY_REFRESH, "data"),
        Input(ids.LANG_STORE, "data"),
    )(refresh)
    app.callback(
        *DIALOG_OUTPUTS,
        Input(ids.PROMOTE_OPEN, "n_clicks"),
        Input(ids.ROLLBACK_OPEN, "n_clicks"),
        State(ids.PROMOTE_VERSION, "value"),
        State(ids.LANG_STORE, "data"),
        prevent_initial_call=True,
    )(open_dialog)
    app.callback(
        Output(ids.ACTION_MODAL, "is_open", allow_duplicate=True),
        Output(ids.ACTION_RESULT, "children", allow_duplicate=True),
        Output(ids.REGISTRY_REFRESH, "data"),
        Input(ids.ACTION_CONFIRM, "n_clicks"),
        State(ids.ACTION_STORE, "data"),
        State(ids.ACTION_REASON, "value"),
        State(ids.ACTION_TYPED, "value"),
        State(ids.ACTION_FORCE, "value"),
        State(ids.REGISTRY_REFRESH, "data"),
        State(ids.LANG_STORE, "data"),
        prevent_initial_call=True,
    )(confirm)
    app.callback(
        Output(ids.ACTION_MODAL, "is_open", allow_duplicate=True),
        Input(ids.ACTION_CANCEL, "n_clicks"),
        prevent_initial_call=True,
    )(close)
    app.callback(
        Output(ids.csv_download(ids.CSV_HISTORY), "data"),
        Input(ids.csv_button(ids.CSV_HISTORY), "n_clicks"),
        State(ids.LANG_STORE, "data"),
        prevent_initial_call=True,
    )(download_history)

"""The frame around every page: title, navigation, language toggle, the version picker and the
stores of the selection (keys only: version numbers, threshold, language)."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import flask
from dash import Input, Output, State, dcc, html

from champion.dashboard import auth, ids
from champion.dashboard.backend import Activity
from champion.dashboard.components import alert
from champion.dashboard.context import backend
from champion.dashboard.report_download import report_button
from champion.errors import ChampionError
from champion.presentation.i18n import t
from champion.workspace import DEFAULT_THRESHOLD, version_label

BINARY, MULTICLASS = "binary", "multiclass"  # the kinds of test set, each with its own pages


def _registered(mode: str) -> list[dict[str, Any]]:
    """The registered pages shown for a test set of kind mode, in the navigation's order."""
    found = sorted(dash.page_registry.values(), key=lambda page: page["order"])
    return [page for page in found if "text_key" in page and mode in page.get("modes", (mode,))]


def pages(mode: str = BINARY) -> list[tuple[str, str]]:
    """(i18n key of the name, path) of every page of mode, in the navigation's order."""
    return [(page["text_key"], page["path"]) for page in _registered(mode)]


def links(mode: str = BINARY) -> list[tuple[str, str]]:
    """(i18n key of the name, URL path) of every page of mode: its path under the prefix
    the app is served under (Dash's relative_path, "/champion/curves")."""
    return [(page["text_key"], page["relative_path"]) for page in _registered(mode)]


def nav_id(key: str) -> str:
    """The navigation link's id of the page named by i18n key ("ui.curves" -> "nav-curves")."""
    return ids.nav_link(key.removeprefix("ui."))


def layout(lang: str, mode: str = BINARY) -> html.Div:
    nav = [
        dbc.NavItem(dbc.NavLink(t(key, lang), href=href, active="exact", id=nav_id(key)))
        for key, href in links(mode)
    ]
    return html.Div(
        [
            dcc.Location(id=ids.URL),
            dcc.Store(id=ids.LANG_STORE, storage_type="session", data=lang),
            dcc.Store(id=ids.VERSIONS_STORE, storage_type="session"),
            dcc.Store(id=ids.THRESHOLD_STORE, storage_type="session", data=DEFAULT_THRESHOLD),
            dcc.Interval(id=ids.JOBS_POLL, interval=1500),
            dbc.Navbar(
                dbc.Container(
                    [
                        html.Span(t("title", lang), id=ids.TITLE, className="navbar-brand"),
                        dbc.Nav(nav, id=ids.NAV, pills=True),
                        dbc.RadioItems(
                            id=ids.LANG_TOGGLE,
                            options=[
                                {"label": "EN", "value": "en"},
                                {"label": "日本語", "value": "ja"},
                            ],
                            value=lang,
                            # the choice survives a reload (the browser keeps it)
                            persistence=True,
                            persistence_type="local",
                            inline=True,
                            className="text-light",
                        ),
                        html.Div(id=ids.USER_BOX, className="d-flex align-items-center ms-3"),
                    ],
                    fluid=True,
                ),
                color="dark",
                dark=True,
                className="mb-3",
            ),
            dbc.Container(
                [
                    dbc.Row(
                        [
                            dbc.Col(
                                html.Label(t("ui.model_picker", lang), id=ids.PICKER_LABEL),
                                width="auto",
                            ),
                            dbc.Col(dcc.Dropdown(id=ids.MODEL_PICKER, multi=True, clearable=False)),
                            dbc.Col(report_button(lang), width="auto"),
                        ],
                        align="center",
                        className="mb-2",
                    ),
                    html.Div(id=ids.JOBS_STATUS, className="text-muted small mb-2"),
                    html.Div(id=ids.ALERTS),
                    dash.page_container,
                ],
                fluid=True,
            ),
        ]
    )


def fill_picker(
    _path: str, lang: str | None, stored: list[str] | None
) -> tuple[list[dict[str, Any]], list[str], Any]:
    """Registered versions with their aliases, named in lang; the stored selection, else
    @champion and @challenger (see DashboardBackend.default_selection)."""
    try:
        model = backend().model(fresh=True)
    except ChampionError as err:
        return [], [], alert(err)
    options = []
    for v in model.versions:
        tags = " ".join(f"@{a}" for a in v.aliases)
        label = f"{version_label(v.version, lang or 'en')} {tags}".strip()
        options.append({"label": label, "value": v.version})
    known = {v.version for v in model.versions}
    chosen = [v for v in (stored or []) if v in known] or backend().default_selection(model)
    return options, chosen, None


def remember_selection(value: list[str] | None) -> list[str]:
    return sorted(value or [], key=_version_order)


def _version_order(version: str) -> tuple[int, str]:
    return (int(version), version) if version.isdigit() else (1 << 30, version)


def remember_language(value: str) -> str:
    return value or "en"


def translate_shell(lang: str, mode: str = BINARY) -> tuple[Any, ...]:
    """The frame's words (the navigation of mode's pages) and the version picker's own labels
    in lang."""
    picker = {key: t(f"dropdown.{key}", lang) for key in DROPDOWN_LABELS}
    words = (t("title", lang), t("ui.model_picker", lang), *[t(k, lang) for k, _ in pages(mode)])
    return (*words, picker)


def translate_downloads(lang: str | None) -> tuple[list[str], list[str]]:
    """The label and hint of every CSV button on the page, in lang."""
    count = len(dash.ctx.outputs_list[0])
    return download_words(lang or "en", count)


def download_words(lang: str, count: int) -> tuple[list[str], list[str]]:
    """count CSV buttons' labels and hints in lang."""
    return [t("export.csv", lang)] * count, [t("export.csv_hint", lang)] * count


DROPDOWN_LABELS = (
    "select_all",
    "deselect_all",
    "selected_count",
    "search",
    "clear_search",
    "clear_selection",
    "no_options_found",
)


def show_jobs(
    _n: int | None,
    versions: list[str] | None,
    lang: str | None = None,
    waiting: list[Any] | None = None,
) -> tuple[str, bool]:
    """Scoring and comparisons of the selected versions on this host (every worker reads the
    same records); polling stops when nothing is running and the page waits for nothing
    (waiting: the ids of its "updates when done" notices, see keep_polling). Each poll
    makes the pages look again, even when its text is unchanged."""
    activity = backend().activity(versions or [])
    text = " · ".join(activity_text(a, lang or "en") for a in activity)
    return text, not waiting and not any(a.running for a in activity)


def keep_polling(waiting: list[Any]) -> Any:
    """Restart the activity poll when a page shows a notice that it waits for background work
    (waiting: their ids). show_jobs cannot see that itself: the page asked for the work in
    the update its own last poll triggered, and Dash does not call a callback again from the
    chain it started."""
    return False if waiting else dash.no_update


def activity_text(a: Activity, lang: str = "en") -> str:
    """ "version 3: scoring 40%", "version 3 vs version 1: computing intervals", "version 1,
    version 3: computing slices" (in lang), or the error."""
    names = [version_label(v, lang) for v in a.versions]
    joined = (" vs " if a.kind in ("scoring", "pair") else ", ").join(names)
    if a.error:
        return f"{joined}: {a.error}"
    if a.kind == "scoring":
        share = f"{a.done / a.total if a.total else 0.0:.0%}"
        return f"{joined}: {t('ui.job_scoring', lang, share=share)}"
    return f"{joined}: {t(_JOB_TEXT.get(a.kind, 'ui.job_pair'), lang)}"


_JOB_TEXT = {
    "slices": "ui.job_slices",
    "operating": "ui.job_operating",
    "multiclass": "ui.job_multiclass",
    "class-curves": "ui.job_class_curves",
    "decision": "ui.job_decision",
    # a Spark-scored test set's work (see spark_backend)
    "spark-start": "ui.job_spark_start",
    "spark-scoring": "ui.job_spark_scoring",
    "spark-report": "ui.job_spark_report",
    "spark-rows": "ui.job_spark_rows",
}


def show_user(_path: str | None, lang: str | None) -> Any:
    """Who is logged in and a logout button; a read-only badge when there are no logins."""
    lang = lang or "en"
    if not auth.enabled():
        return dbc.Badge(
            t("ui.read_only", lang),
            id=ids.READ_ONLY_BADGE,
            color="secondary",
            title=t("ui.read_only_hint", lang),
        )
    user = auth.current_user()
    return [
        html.Span(f"{user.name} ({user.role})", id=ids.USER_NAME, className="text-light"),
        logout_form(lang, flask.url_for(auth.LOGOUT_ENDPOINT)),
    ]


def logout_form(lang: str, action: str = "/logout") -> html.Form:
    """A plain form POST (not a link) to action (/logout under the app's prefix): with the
    SameSite=Lax session cookie, another site cannot log the user out."""
    return html.Form(
        html.Button(
            t("ui.log_out", lang),
            id=ids.LOGOUT_BUTTON,
            type="submit",
            className="btn btn-sm btn-outline-light",
        ),
        id=ids.LOGOUT_FORM,
        method="POST",
        action=action,
        className="ms-2",
    )


def register(app: dash.Dash, mode: str = BINARY) -> None:
    """Attach this module's callbacks to app (not to Dash's global list, which only the
    first app of a process would receive); the navigation shows mode's pages."""

    def translate(lang: str) -> tuple[Any, ...]:
        return translate_shell(lang, mode)

    app.callback(
        Output(ids.MODEL_PICKER, "options"),
        Output(ids.MODEL_PICKER, "value"),
        Output(ids.ALERTS, "children"),
        Input(ids.URL, "pathname"),
        Input(ids.LANG_STORE, "data"),
        State(ids.VERSIONS_STORE, "data"),
    )(fill_picker)
    app.callback(Output(ids.VERSIONS_STORE, "data"), Input(ids.MODEL_PICKER, "value"))(
        remember_selection
    )
    app.callback(Output(ids.LANG_STORE, "data"), Input(ids.LANG_TOGGLE, "value"))(remember_language)
    app.callback(
        Output(ids.TITLE, "children"),
        Output(ids.PICKER_LABEL, "children"),
        *[Output(nav_id(key), "children") for key, _ in pages(mode)],
        Output(ids.MODEL_PICKER, "labels"),
        Input(ids.LANG_STORE, "data"),
    )(translate)
    app.callback(
        Output(ids.csv_buttons(), "children"),
        Output(ids.csv_buttons(), "title"),
        Input(ids.LANG_STORE, "data"),
    )(translate_downloads)
    app.callback(
        Output(ids.JOBS_STATUS, "children"),
        Output(ids.JOBS_POLL, "disabled"),
        Input(ids.JOBS_POLL, "n_intervals"),
        Input(ids.VERSIONS_STORE, "data"),
        Input(ids.LANG_STORE, "data"),
        State(ids.waitings(), "id"),
    )(show_jobs)
    app.callback(
        Output(ids.JOBS_POLL, "disabled", allow_duplicate=True),
        Input(ids.waitings(), "id"),
        prevent_initial_call=True,
    )(keep_polling)
    app.callback(
        Output(ids.USER_BOX, "children"),
        Input(ids.URL, "pathname"),
        Input(ids.LANG_STORE, "data"),
    )(show_user)

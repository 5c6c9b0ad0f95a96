"""The dashboard's "Download report": the decision record of the selected versions at the
current threshold (two classes) or of their predicted classes (three or more), with each
challenger's default promotion gate against the baseline, as the self-contained HTML that
``champion report`` writes. Built from what the pages read (stored, or computed once per host);
nothing is offered while a version is scored or a comparison computes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from dash.dcc.express import send_string

from champion.dashboard import ids
from champion.dashboard import multiclass as mc
from champion.dashboard.backend import DashboardBackend
from champion.dashboard.components import threshold_of
from champion.dashboard.context import backend
from champion.dashboard.spark_backend import SparkDashboardBackend
from champion.errors import ChampionError
from champion.evaluation import DEFAULT_RULES, Comparison, GateVerdict, evaluate_gates
from champion.evaluation.gates import MULTICLASS_DEFAULT_RULES
from champion.evaluation.multiclass import MulticlassComparison
from champion.presentation import t
from champion.reports.collect import (
    Scored,
    class_agreements,
    dataset_info,
    new_record,
    registered_models,
)
from champion.reports.html import render_html
from champion.reports.record import DatasetInfo, DecisionRecord
from champion.workspace import ScoredModel
from champion.workspace.multiclass import aligned_classes


def _default_gate(
    cmp: Comparison | MulticlassComparison,
) -> tuple[dict[str, GateVerdict], tuple[str, ...]]:
    """Each challenger's verdict under the default promotion gate (the rules Promote uses),
    Holm-adjusted across several challengers, and the rules' texts."""
    if isinstance(cmp, MulticlassComparison):
        rules, confidence = MULTICLASS_DEFAULT_RULES, cmp.baseline_evaluation.confidence
    else:
        rules, confidence = DEFAULT_RULES, cmp.baseline_report.confidence
    deltas = {name: c.deltas for name, c in cmp.comparisons.items()}
    verdicts = evaluate_gates(deltas, rules, confidence=confidence)
    return verdicts, tuple(rule.text for rule in rules)


def _scored(
    backend: DashboardBackend, versions: Sequence[str], lang: str, among: Mapping[str, Any]
) -> dict[str, ScoredModel]:
    """The scored versions compared (labels in lang, those of among), in its order."""
    found = {backend.key(v).label(lang): backend.scored(v) for v in versions}
    return {label: s for label in among if (s := found.get(label)) is not None}


def _multiclass_fields(
    backend: DashboardBackend, versions: Sequence[str], lang: str
) -> dict[str, Any] | None:
    """The comparison, notes, class curves and agreements of a multiclass selection, or None
    while any of them is not ready."""
    compared = mc.comparison(backend, versions, lang)
    curves = mc.curves(backend, versions, lang)
    if compared.value is None or curves.value is None or compared.pending:
        return None
    cmp, notes = compared.value
    aligned = aligned_classes(_scored(backend, versions, lang, cmp.models), backend.dataset)
    agreements = class_agreements(
        backend.dataset.labels, aligned.probabilities, aligned.classes, cmp.baseline
    )
    return {"comparison": cmp, "notes": notes, "curves": curves.value, "agreements": agreements}


def _scored_and_dataset(
    backend: DashboardBackend, versions: Sequence[str], lang: str, among: Mapping[str, Any]
) -> tuple[Mapping[str, Scored], DatasetInfo]:
    """The scored versions compared (labels in lang, those of among) and the test set, as the
    record describes them: in memory, or on Spark (the versions' scores and the label balance
    read there)."""
    if isinstance(backend, SparkDashboardBackend):
        ready = [v for v in versions if backend.key(v).label(lang) in among]
        return backend.labelled_scores(ready, lang), backend.dataset_info()
    return _scored(backend, versions, lang, among), dataset_info(backend.dataset)


def decision_record(
    backend: DashboardBackend, versions: Sequence[str], threshold: float, lang: str
) -> DecisionRecord | None:
    """The record of the selected versions (the champion, when selected, as the baseline), or
    None while a version is scored or a result computes (the pages say which)."""
    fields: dict[str, Any] | None
    if mc.is_multiclass(backend):
        fields = _multiclass_fields(backend, versions, lang)
    else:
        evaluated = backend.evaluate(versions, threshold, lang)
        ready = evaluated.comparison is not None and not evaluated.pending
        fields = {"comparison": evaluated.comparison} if ready else None
    if fields is None:
        return None
    cmp = fields.pop("comparison")
    scored, info = _scored_and_dataset(backend, versions, lang, cmp.models)
    models, model, champion = registered_models(backend.workspace, scored, backend.config.ui_url)
    gate, rules = _default_gate(cmp)
    return new_record(
        cmp,
        info,
        models,
        gate,
        gate_rules=rules,
        registered_model=model,
        champion=champion,
        **fields,
    )


def report_file(
    backend: DashboardBackend, versions: Sequence[str], threshold: float, lang: str
) -> tuple[str, str] | None:
    """(file name, HTML) of the selection's decision record, or None while it is not ready."""
    record = decision_record(backend, versions, threshold, lang)
    if record is None:
        return None
    scored = (
        backend.version_scores if isinstance(backend, SparkDashboardBackend) else backend.scored
    )
    shown = "-".join(f"v{v}" for v in versions if scored(v) is not None)
    name = f"champion-{backend.config.model_name}-report-{shown}.html"
    return name, render_html(record, lang)


def report_button(lang: str) -> html.Div:
    """The "Download report" button of the shell, its dcc.Download and its notice."""
    button = dbc.Button(
        t("export.report", lang),
        id=ids.REPORT_BUTTON,
        title=t("export.report_hint", lang),
        size="sm",
        color="primary",
        outline=True,
    )
    note = html.Span(id=ids.REPORT_NOTE, className="text-muted small ms-2")
    return html.Div([button, dcc.Download(id=ids.REPORT_DOWNLOAD), note])


def download_report(
    _clicks: int | None, versions: list[str] | None, threshold: float | None, lang: str | None
) -> tuple[Any, str]:
    """The selection's report as a file, or a notice that it is not ready yet."""
    lang = lang or "en"
    try:
        made = report_file(backend(), versions or [], threshold_of(threshold), lang)
    except ChampionError as err:
        return dash.no_update, str(err)
    if made is None:
        return dash.no_update, t("export.report_wait", lang)
    name, text = made
    return send_string(text, name, type="text/html"), ""  # type: ignore[no-untyped-call]


def translate(lang: str | None) -> tuple[str, str]:
    return t("export.report", lang or "en"), t("export.report_hint", lang or "en")


def register(app: dash.Dash) -> None:
    """Attach this module's callbacks to app."""
    app.callback(
        Output(ids.REPORT_DOWNLOAD, "data"),
        Output(ids.REPORT_NOTE, "children"),
        Input(ids.REPORT_BUTTON, "n_clicks"),
        State(ids.VERSIONS_STORE, "data"),
        State(ids.THRESHOLD_STORE, "data"),
        State(ids.LANG_STORE, "data"),
        prevent_initial_call=True,
    )(download_report)
    app.callback(
        Output(ids.REPORT_BUTTON, "children"),
        Output(ids.REPORT_BUTTON, "title"),
        Input(ids.LANG_STORE, "data"),
    )(translate)

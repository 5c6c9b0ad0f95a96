"""What ``evaluate --log`` and ``report --log`` write to MLflow from a decision record: its figures
(``champion/figures/<name>.html``, drawn interactively by the MLflow UI), the record as HTML
(``champion/report.html``) or as the file written (``champion/report.<ext>``), its JSON
(``champion/record.json``), and for ``report --log`` the run's name, tags and params.
"""

from __future__ import annotations

from importlib.util import find_spec

from champion.models.tracking import ReportRun, RunArtifacts
from champion.reports.figures import record_figures
from champion.reports.record import DecisionRecord
from champion.reports.text import title_line
from champion.reports.write import render

REPORT = "champion/report"  # + .html, .md or .json: the record as written
RECORD_JSON = "champion/record.json"
EXTENSIONS = {"html": "html", "markdown": "md", "json": "json"}
MAX_TAG = 5000  # characters of a tag's value (MLflow 3 keeps 8,000)
MAX_PARAM = 500  # of a param's value (older tracking servers keep 500)


def report_path(fmt: str) -> str:
    """The record's artifact in fmt: champion/report.html, .md or .json."""
    return f"{REPORT}.{EXTENSIONS[fmt]}"


def figures_available() -> bool:
    """Whether plotly (champion's dashboard extra) is installed: the figures and the HTML
    record need it."""
    return find_spec("plotly") is not None


def evaluation_artifacts(record: DecisionRecord, lang: str = "en") -> RunArtifacts:
    """What ``evaluate --log`` adds to its run: the figures of the one model and its HTML
    record (champion/report.html). Both need plotly (see ``figures_available``)."""
    html = render(record, "html", lang)
    return RunArtifacts({report_path("html"): html}, record_figures(record, lang))


def gate_state(record: DecisionRecord) -> str:
    """The gate's outcome: passed, refused or none (no gate)."""
    passed = record.passed
    return "none" if passed is None else "passed" if passed else "refused"


def _run_name(record: DecisionRecord) -> str:
    """report NAME v2 vs v1 (registered versions of one model), else the labels."""

    def short(label: str) -> str:
        info = record.models.get(label)
        if info is not None and info.version and info.name == record.registered_model:
            return f"v{info.version}"
        return label

    model = f"{record.registered_model} " if record.registered_model else ""
    if not record.challengers:
        return f"report {model}{short(record.baseline)}"[:250]
    challengers = ", ".join(short(name) for name in record.challengers)
    return f"report {model}{challengers} vs {short(record.baseline)}"[:250]


def report_run(record: DecisionRecord, fmt: str, text: str, lang: str = "en") -> ReportRun:
    """``report --log``'s run: the file as written (text, in fmt), the record's JSON and its
    figures (none without plotly); tags naming the models, baseline, test set and gate;
    params of the statistics and the gate's rules; the logged models compared as inputs."""
    texts = {report_path(fmt): text, RECORD_JSON: render(record, "json")}
    figures = record_figures(record, lang) if figures_available() else {}
    tags = {
        "champion.baseline": record.baseline[:MAX_TAG],
        "champion.models": ", ".join(record.comparison.models)[:MAX_TAG],
        "champion.dataset_fingerprint": record.dataset.fingerprint,
        "champion.gate": gate_state(record),
        **({"champion.model_name": record.registered_model} if record.registered_model else {}),
        **({"champion.champion_version": record.champion} if record.champion else {}),
    }
    params = {
        "format": fmt,
        "lang": lang,
        "rows": str(record.rows),
        "confidence": str(record.confidence),
        "n_boot": str(record.n_boot),
        "ci": record.ci,
        **({"task": "multiclass"} if record.multiclass else {"threshold": str(record.threshold)}),
        **({"gate": "; ".join(record.gate_rules)[:MAX_PARAM]} if record.gate_rules else {}),
        **({"adjust": record.adjust} if record.gate_rules else {}),
    }
    recipe = record.dataset.summary.get("recipe")
    if recipe:
        params["recipe"] = str(recipe)
    note = (
        f"champion decision record: {title_line(record, 'en')} (test set fingerprint "
        f"{record.dataset.fingerprint[:12]}); gate: {gate_state(record)}."
    )
    model_ids = tuple(dict.fromkeys(m.model_id for m in record.models.values() if m.model_id))
    return ReportRun(_run_name(record), tags, params, note, RunArtifacts(texts, figures), model_ids)

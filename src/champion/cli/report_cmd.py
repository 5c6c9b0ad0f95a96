"""``champion report``: a comparison written down as a decision record, one file (HTML, Markdown
or JSON) with the verdict, the gate, every number, the test set and the models' versions.

The models and options are those of ``champion compare`` (registered models scored on --data,
or the score columns of --predictions, two classes or more; see ``report_inputs``); the record
adds the registry's facts, the worst slice of the columns given with --slice, and the time. The
file is written before the exit code says whether the gate passed (1 when it refused), so a CI
step can publish it either way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from champion.cli import spark_cmd
from champion.cli.compare_cmd import models_options, require_one_source
from champion.cli.compare_gate import gate_lines, gate_options, judge, raise_if_refused
from champion.cli.report_inputs import (
    Gathered,
    Slicing,
    from_predictions,
    from_registry,
    ui_address,
)
from champion.engine_options import EngineOptions, engine_options
from champion.errors import DataError
from champion.options import (
    DataOptions,
    ScoringOptions,
    data_options,
    scoring_options,
    statistics_options,
)

if TYPE_CHECKING:
    from champion.reports import DecisionRecord
    from champion.workspace import Statistics


@click.command(short_help="Write a comparison as a decision record (HTML, Markdown, JSON).")
@click.argument("model_uris", nargs=-1, metavar="[MODEL_URI]...")
@data_options
@models_options
@gate_options
@statistics_options
@scoring_options
@engine_options
@click.option(
    "--output",
    "-o",
    "output",
    required=True,
    metavar="FILE",
    help="The file to write (replaced atomically): .html/.htm, .md or .json.",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["html", "markdown", "json"]),
    help="The file's format [from the extension of --output].",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "ja"]),
    default="en",
    show_default=True,
    help="Language of the HTML and Markdown texts.",
)
@click.option(
    "--slice",
    "slice_columns",
    multiple=True,
    metavar="COL",
    help="Judge each challenger on the slices of COL (repeatable); the record keeps the "
    "column where a challenger loses most [no slices].",
)
@click.option(
    "--slice-metric",
    metavar="METRIC",
    help="The metric judged on slices [the first --gate rule's, else roc_auc; accuracy with "
    "three or more classes].",
)
@click.option(
    "--bins",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="Quantile bins a numeric --slice column is cut into.",
)
@click.option(
    "--html-name",
    metavar="NAME",
    help="Markdown: the HTML report its last line points to [FILE with .html].",
)
@click.option(
    "--mlflow-ui",
    "mlflow_ui",
    metavar="URL",
    help="MLflow UI for the runs' addresses [the tracking URI when it is http(s)].",
)
@click.option(
    "--log",
    "log_run",
    is_flag=True,
    help='Also log the record to MLflow, as a run of the experiment "champion-reports": the '
    "file as written, the record's JSON and its figures (prints the run's id).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
def report(
    model_uris: tuple[str, ...],
    data: DataOptions,
    predictions: str | None,
    score_options: tuple[str, ...],
    baseline: str | None,
    gate_rules: tuple[str, ...],
    adjust: str,
    stats: Statistics,
    scoring: ScoringOptions,
    engine: EngineOptions,
    output: str,
    file_format: str | None,
    lang: str,
    slice_columns: tuple[str, ...],
    slice_metric: str | None,
    bins: int,
    html_name: str | None,
    mlflow_ui: str | None,
    log_run: bool,
    quiet: bool,
) -> None:
    """Compare registered models (models:/NAME@ALIAS, models:/NAME/VERSION, ...) scored on one
    test set, or the score columns of a predictions table, as champion compare does, and write
    the decision record to FILE: the verdict, each challenger's gate verdict with its reasons,
    every metric with its interval and paired test, the curves, the threshold view (two
    classes) or the classes and their confusion matrices (more), the worst slice, the
    disagreements, the test set's fingerprint and class balance, each model's version, run and
    MLflow link, who holds @champion, and the time (UTC). HTML is one self-contained file (no
    network); Markdown fits a pull-request comment. With --log, the record also goes to MLflow
    as a run of the experiment "champion-reports" (the tracking server of --tracking-uri):
    champion/report.<ext> as written, champion/record.json and the figures under
    champion/figures/. Exit codes: 0 the gate passed (or no gate), 1 the gate refused (the file
    is written, and logged, first), 2 bad input."""
    from champion.options import require_tracking_uri
    from champion.reports.collect import new_record
    from champion.reports.write import format_of, html_sibling, render, write_atomic

    chosen_format = format_of(output, file_format)
    tracking_uri = require_tracking_uri(scoring.tracking_uri) if log_run else None
    slicing = Slicing(slice_columns, slice_metric, bins, tuple(gate_rules))
    if engine.spark:
        if slice_columns:
            raise DataError(
                "--slice is not available with --engine spark yet; leave it out, or use the "
                "in-memory engine for the record's slices."
            )
        ui = ui_address(mlflow_ui, scoring.tracking_uri)
        found = Gathered(
            *spark_cmd.report_inputs(
                model_uris, predictions, score_options, baseline, data, stats, scoring, engine, ui
            )
        )
    elif predictions:
        require_one_source(model_uris, predictions)
        found = from_predictions(predictions, score_options, baseline, data, stats, slicing)
    else:
        require_one_source(model_uris, predictions)
        ui = ui_address(mlflow_ui, scoring.tracking_uri)
        found = from_registry(model_uris, baseline, data, stats, scoring, slicing, ui, quiet)
    cmp = found.comparison
    verdicts = judge(cmp, gate_rules, adjust) if gate_rules else None
    fields = dict(found.fields)
    models = fields.pop("models")
    record = new_record(
        cmp,
        found.dataset,
        models,
        verdicts,
        gate_rules=tuple(gate_rules),
        adjust=adjust,
        **fields,
    )
    link = html_name or (html_sibling(output) if chosen_format == "markdown" else None)
    text = render(record, chosen_format, lang, link)
    written = write_atomic(output, text)
    state = "no gate" if verdicts is None else "gate passed" if record.passed else "gate refused"
    click.echo(f"wrote {written} ({chosen_format}, {state})")
    if tracking_uri is not None:
        _log(record, chosen_format, text, lang, tracking_uri, ui_address(mlflow_ui, tracking_uri))
    if verdicts is not None:
        for line in gate_lines(verdicts, cmp.baseline):
            click.echo(line)
        raise_if_refused(verdicts)


def _log(
    record: DecisionRecord, fmt: str, text: str, lang: str, tracking_uri: str, ui: str | None
) -> None:
    """Log the record as a run and say which (its page in the MLflow UI when known)."""
    from champion.models.tracking import log_report
    from champion.reports.collect import run_url
    from champion.reports.logged import figures_available, report_run

    if not figures_available():
        click.echo(
            "note: the figures are not logged: they need plotly (pip install "
            "'champion[dashboard]').",
            err=True,
        )
    run_id = log_report(tracking_uri, report_run(record, fmt, text, lang))
    address = run_url(run_id, ui)
    click.echo(f"logged report run {run_id}" + (f" ({address})" if address else ""))

"""``champion evaluate``: one model on one test set, optionally logged back to MLflow."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from champion.cli.common import echo_json
from champion.cli.progress import scoring_progress
from champion.cli.render import print_comparison, print_scored
from champion.engine_options import EngineOptions, engine_options
from champion.evaluation import Comparison
from champion.options import (
    DataOptions,
    OutputOptions,
    ScoringOptions,
    data_options,
    output_group,
    scoring_options,
    statistics_options,
)
from champion.presentation import comparison_markdown

if TYPE_CHECKING:
    from champion.cli.spark_cmd import SparkInputs
    from champion.data import EvalDataset
    from champion.evaluation.multiclass import MulticlassComparison
    from champion.models.tracking import RunArtifacts
    from champion.workspace import ScoredModel, Statistics, Workspace


@click.command(short_help="Evaluate one model on a test set; --log records it in MLflow.")
@click.argument("model_uri")
@data_options
@statistics_options
@scoring_options
@engine_options
@click.option(
    "--log", "log_run", is_flag=True, help="Log the evaluation to MLflow as a run (prints its id)."
)
@output_group(("table", "json", "markdown"))
def evaluate(
    model_uri: str,
    data: DataOptions,
    stats: Statistics,
    scoring: ScoringOptions,
    engine: EngineOptions,
    log_run: bool,
    out: OutputOptions,
) -> None:
    """Score (or read cached scores of) MODEL_URI on the test set and print every metric with
    its confidence interval. With --log, write a run to the experiment "champion-evaluations":
    metrics and their CI bounds (roc_auc, roc_auc_ci_low, ...), curve data as a JSON artifact,
    the figures (champion/figures/*.html, interactive in the MLflow UI), the model's decision
    record (champion/report.html), the test set as a dataset input and tags naming the model
    version."""
    from champion.workspace.records import evaluation_record

    if engine.spark:
        evaluate_on_spark(model_uri, data, stats, scoring, engine, log_run, out)
        return
    dataset = data.load(scoring.tracking_uri)
    if dataset.classes is not None:
        evaluate_multiclass(model_uri, dataset, stats, scoring, log_run, out)
        return
    with scoring_progress(out.progress) as progress:
        workspace = scoring.workspace(progress)
        report, scored = workspace.evaluate(model_uri, dataset, stats)
    single = Comparison(baseline=model_uri, models={model_uri: report}, comparisons={})
    run_id = None
    if log_run:
        from champion.models.tracking import log_evaluation

        record = evaluation_record(report, scored, dataset)
        artifacts = _artifacts(workspace, single, scored, dataset)
        run_id = log_evaluation(
            workspace.registry.tracking_uri, scored.resolved, record, artifacts=artifacts
        )
    info = dataset.summary()
    if out.format == "json":
        echo_json({**report.to_dict(), "dataset": info, "run_id": run_id})
        return
    if out.format == "markdown":
        click.echo(comparison_markdown(single), nl=False)
    else:
        console = Console(highlight=False)
        print_scored({model_uri: scored}, info, console)
        print_comparison(single, console)
    if run_id:
        click.echo(f"logged evaluation run {run_id}")


def evaluate_on_spark(
    model_uri: str,
    data: DataOptions,
    stats: Statistics,
    scoring: ScoringOptions,
    engine: EngineOptions,
    log_run: bool,
    out: OutputOptions,
) -> None:
    """``evaluate --engine spark``: the model scored and evaluated on the cluster; with --log,
    a run as the in-memory engine logs it, whose dataset input names the test set (its path,
    rows, fingerprint and column types) instead of holding its rows."""
    from champion.cli import spark_cmd
    from champion.cli.report_inputs import ui_address
    from champion.options import require_tracking_uri

    run_id = None
    if log_run:
        tracking_uri = require_tracking_uri(scoring.tracking_uri)
        found = spark_cmd.registry_inputs(
            (model_uri,), model_uri, data, stats, scoring, engine, ui_address(None, tracking_uri)
        )
        cmp, summary, scored = found.comparison, found.dataset.summary, found.scored
        run_id = _log_spark(tracking_uri, found)
    else:
        cmp, scored, extra, _ = spark_cmd.compare_models(
            (model_uri,), model_uri, data, stats, scoring, engine
        )
        summary = extra["dataset"]
    report = cmp.models[model_uri]
    if out.format == "json":
        echo_json({**report.to_dict(), "dataset": summary, "run_id": run_id})
        return
    if out.format == "markdown":
        click.echo(comparison_markdown(cmp), nl=False)
    else:
        console = Console(highlight=False)
        print_scored(scored, summary, console)
        print_comparison(cmp, console)
    if run_id:
        click.echo(f"logged evaluation run {run_id}")


def _log_spark(tracking_uri: str, found: SparkInputs) -> str:
    """The evaluation on Spark as an MLflow run (figures and the decision record included)."""
    from champion.models.tracking import RunArtifacts, log_evaluation
    from champion.reports.collect import new_record
    from champion.reports.logged import evaluation_artifacts, figures_available
    from champion.workspace.records import spark_evaluation_record, spark_schema

    cmp = found.comparison
    uri = cmp.baseline
    record = spark_evaluation_record(
        cmp.models[uri],
        found.dataset.summary,
        found.fields["scored"][uri],
        spark_schema(found.column_types),
    )
    artifacts = RunArtifacts()
    if figures_available():
        fields = dict(found.fields)
        decision = new_record(cmp, found.dataset, fields.pop("models"), None, **fields)
        artifacts = evaluation_artifacts(decision)
    return log_evaluation(tracking_uri, found.scored[uri].resolved, record, artifacts=artifacts)


def evaluate_multiclass(
    model_uri: str,
    dataset: EvalDataset,
    stats: Statistics,
    scoring: ScoringOptions,
    log_run: bool,
    out: OutputOptions,
) -> None:
    """``evaluate`` on a test set of three or more classes: every multiclass metric with its
    interval, the per-class block and the confusion matrix; --log records them in MLflow."""
    from champion.cli.multiclass_cmd import show_multiclass
    from champion.workspace.records import multiclass_record

    with scoring_progress(out.progress) as progress:
        workspace = scoring.workspace(progress)
        found, scored = workspace.evaluate_multiclass(model_uri, dataset, stats)
    extra: dict[str, Any] = {"dataset": dataset.summary(), "run_id": None}
    if log_run:
        from champion.models.tracking import log_evaluation

        record = multiclass_record(found[0].models[model_uri], scored, dataset)
        artifacts = _artifacts(workspace, found[0], scored, dataset, found[1])
        extra["run_id"] = log_evaluation(
            workspace.registry.tracking_uri, scored.resolved, record, artifacts=artifacts
        )
    show_multiclass(found, None, out.format, extra, {model_uri: scored})
    if extra["run_id"] and out.format != "json":
        click.echo(f"logged evaluation run {extra['run_id']}")


def _artifacts(
    workspace: Workspace,
    cmp: Comparison | MulticlassComparison,
    scored: ScoredModel,
    dataset: EvalDataset,
    notes: tuple[str, ...] = (),
) -> RunArtifacts:
    """The figures and the HTML decision record of the one model, for its evaluation run
    (none, with a note, without plotly)."""
    from champion.cli.report_inputs import evaluated_record
    from champion.models.tracking import RunArtifacts
    from champion.reports.logged import evaluation_artifacts, figures_available

    if not figures_available():
        click.echo(
            "note: the figures and champion/report.html are not logged: they need plotly (pip "
            "install 'champion[dashboard]').",
            err=True,
        )
        return RunArtifacts()
    return evaluation_artifacts(evaluated_record(workspace, cmp, scored, dataset, notes))

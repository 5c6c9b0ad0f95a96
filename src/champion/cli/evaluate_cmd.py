"""``champion evaluate``: one model on one test set, optionally logged back to MLflow."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console

from champion.cli.common import (
    FORMATS,
    build_service,
    data_options,
    echo_json,
    load_test_set,
    require_tracking_uri,
    scoring_options,
    statistics_options,
    tracking_option,
)
from champion.cli.progress import scoring_progress
from champion.cli.render import print_comparison, print_scored
from champion.evaluation import Comparison
from champion.presentation import comparison_markdown


@click.command(short_help="Evaluate one model on a test set; --log records it in MLflow.")
@click.argument("model_uri")
@tracking_option
@data_options
@statistics_options
@scoring_options
@click.option(
    "--log", "log_run", is_flag=True, help="Log the evaluation to MLflow as a run (prints its id)."
)
@click.option("--format", "output", type=FORMATS, default="table", show_default=True)
def evaluate(
    model_uri: str,
    tracking_uri: str | None,
    data_source: str | None,
    recipe: str | None,
    target: str | None,
    features: str | None,
    pos_label: str,
    threshold: float,
    confidence: float,
    n_boot: int,
    seed: int,
    trust_types: tuple[str, ...],
    allow_pickle: bool,
    timeout: float,
    no_cache: bool,
    cache_dir: Any,
    log_run: bool,
    output: str,
) -> None:
    """Score (or read cached scores of) MODEL_URI on the test set and print every metric with
    its confidence interval. With --log, write a run to the experiment "champion-evaluations":
    metrics and their CI bounds (roc_auc, roc_auc_ci_low, ...), curve data as a JSON artifact,
    the test set as a dataset input and tags naming the model version."""
    from champion.service import evaluation_record

    dataset = load_test_set(data_source, recipe, target, features, pos_label)
    with scoring_progress(output == "table") as progress:
        service = build_service(
            tracking_uri, trust_types, allow_pickle, timeout, no_cache, cache_dir, progress
        )
        report, scored = service.evaluate(
            model_uri,
            dataset,
            threshold=threshold,
            confidence=confidence,
            n_boot=n_boot,
            random_state=seed,
        )
    run_id = None
    if log_run:
        from champion.models.tracking import log_evaluation

        record = evaluation_record(report, scored, dataset)
        run_id = log_evaluation(require_tracking_uri(tracking_uri), scored.resolved, record)
    single = Comparison(baseline=model_uri, models={model_uri: report}, comparisons={})
    info = dataset.summary()
    if output == "json":
        echo_json({**report.to_dict(), "dataset": info, "run_id": run_id})
        return
    if output == "markdown":
        click.echo(comparison_markdown(single), nl=False)
    else:
        console = Console(highlight=False)
        print_scored({model_uri: scored}, info, console)
        print_comparison(single, console)
    if run_id:
        click.echo(f"logged evaluation run {run_id}")

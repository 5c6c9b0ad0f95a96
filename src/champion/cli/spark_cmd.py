"""compare, evaluate and report with --engine spark: the test set read, the models scored and
the statistics computed by Spark; the rest of each command is the in-memory one's."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from champion.errors import DataError

if TYPE_CHECKING:
    from champion.cli.operating_cmd import PointOptions
    from champion.engine_options import EngineOptions
    from champion.evaluation import Comparison
    from champion.evaluation.operating_results import MatchedPoints
    from champion.options import DataOptions, ScoringOptions
    from champion.reports.record import DatasetInfo
    from champion.workspace import Statistics
    from champion.workspace.spark import SparkData, SparkWorkspace
    from champion.workspace.spark_scores import SparkScored


def store_root(scoring: ScoringOptions, engine: EngineOptions, master: str | None = None) -> str:
    """Where Spark keeps the models' scores (champion.engine_options.score_store_root; master:
    the running session's)."""
    from champion.engine_options import score_store_root

    return score_store_root(engine, scoring.shared_cache, scoring.cache_dir, master)


@contextmanager
def spark_workspace(scoring: ScoringOptions, engine: EngineOptions) -> Iterator[SparkWorkspace]:
    """The Spark composer over the tracking server (--no-cache: scores kept in a temporary
    folder, gone afterwards)."""
    from champion.engine_options import score_store_root
    from champion.models import MlflowRegistry
    from champion.options import require_tracking_uri
    from champion.spark.scoring import ParquetScores
    from champion.spark.session import session_master
    from champion.workspace.results import ResultStore
    from champion.workspace.spark import SparkWorkspace

    registry = MlflowRegistry(require_tracking_uri(scoring.tracking_uri))
    session = engine.session()
    results = None if scoring.no_cache else ResultStore(scoring.cache().root)
    with tempfile.TemporaryDirectory(prefix="champion-spark-scores-") as scratch:
        master = session_master(session)
        if scoring.no_cache:  # a temporary folder of this machine: only a Spark here reads it
            root = score_store_root(engine, None, Path(scratch), master)
        else:
            root = store_root(scoring, engine, master)
        store = ParquetScores(root)
        yield SparkWorkspace(registry, session, store, scoring.policy(), results)


def spark_data(workspace: SparkWorkspace, data: DataOptions, engine: EngineOptions) -> SparkData:
    """The test set of --data read by Spark (a recipe needs the in-memory engine)."""
    if data.recipe:
        raise DataError(
            "--recipe prepares a table in memory; with --engine spark give a Parquet test set "
            "whose columns the models take as they are."
        )
    if not data.source:
        raise DataError("give the test set with --data PATH|URI (Parquet, or a Delta table).")
    return workspace.test_set(
        data.source,
        data.target,
        data.pos_label,
        row_id=engine.row_id,
        features=data.features,
    )


def compare_models(
    uris: tuple[str, ...],
    baseline: str | None,
    data: DataOptions,
    stats: Statistics,
    scoring: ScoringOptions,
    engine: EngineOptions,
    points: PointOptions | None = None,
) -> tuple[Comparison, dict[str, Any], dict[str, Any], MatchedPoints | None]:
    """(comparison, scored models, what --format json adds, the matched operating points when
    points asks for them) of registered models on Spark."""
    from champion.workspace.spark import scored_summary

    with spark_workspace(scoring, engine) as workspace:
        dataset = spark_data(workspace, data, engine)
        result, scored = workspace.compare(list(uris), dataset, stats, baseline)
        matched = None
        if points is not None and points.criterion is not None:
            from champion.workspace.spark_points import operating_points

            ordered = {uri: scored[uri] for uri in result.models}
            matched = operating_points(
                workspace, ordered, result.baseline, dataset, points.criterion, stats
            )
    extra = {"dataset": dataset.summary(), "scored": scored_summary(scored)}
    return result, dict(scored), extra, matched


def refuse_holdout(points: PointOptions) -> None:
    """DataError for --holdout-split on Spark (asked before any work: the command refuses it
    at once rather than after scoring and comparing)."""
    if points.holdout is not None:
        raise DataError(
            "--holdout-split is not available with --engine spark yet: leave it out (the "
            "thresholds are then chosen and reported on the same rows, which the output says "
            "is optimistic), or use the in-memory engine."
        )


def spark_points(
    points: PointOptions,
    frame: Any,
    data: SparkData,
    columns: dict[str, str],
    baseline: str,
    stats: Statistics,
) -> MatchedPoints:
    """--operating-point on a predictions table read by Spark (data: no weight column): the
    models' score columns of frame (name -> column) at the thresholds the criterion chooses,
    chosen and reported on every row (refuse_holdout has been asked)."""
    from champion.spark.operating import matched_frame

    assert points.criterion is not None
    return matched_frame(
        frame,
        data.target,
        columns,
        points.criterion,
        baseline=baseline,
        pos_label=data.pos_label,
        confidence=stats.confidence,
    )


def compare_predictions(
    path: str,
    score_columns: dict[str, str],
    baseline: str | None,
    data: DataOptions,
    stats: Statistics,
    engine: EngineOptions,
) -> tuple[Comparison, SparkData]:
    """The comparison of stored score columns of a Parquet table, read by Spark, and the
    table as a test set (its summary and class balance for a decision record)."""
    from champion.spark import compare_frame
    from champion.spark.aggregate import typed_label
    from champion.spark.rows import read_test_set
    from champion.workspace.spark import SparkData, refuse_bootstrap

    if not data.target:
        raise DataError("--predictions needs --target COL, the column of the true labels.")
    refuse_bootstrap(stats)
    rows = read_test_set(engine.session(), path, row_id=engine.row_id)
    table = SparkData(rows, data.target, typed_label(rows.frame, data.target, data.pos_label))
    found = compare_frame(
        rows.frame,
        data.target,
        score_columns,
        baseline=baseline,
        pos_label=table.pos_label,
        threshold=stats.threshold,
        confidence=stats.confidence,
    )
    return found, table


def report_inputs(
    model_uris: tuple[str, ...],
    predictions: str | None,
    score_options: tuple[str, ...],
    baseline: str | None,
    data: DataOptions,
    stats: Statistics,
    scoring: ScoringOptions,
    engine: EngineOptions,
    ui: str | None,
) -> tuple[Comparison, DatasetInfo, dict[str, Any]]:
    """``report --engine spark``: the comparison, the test set's summary and the record's other
    fields (the models as the registry describes them; no slices on Spark yet)."""
    from champion.cli.compare_cmd import parse_scores, require_one_source
    from champion.reports.collect import prediction_models
    from champion.reports.record import DatasetInfo

    require_one_source(model_uris, predictions)
    if predictions:
        columns = parse_scores(score_options)
        cmp, table = compare_predictions(predictions, columns, baseline, data, stats, engine)
        info = DatasetInfo(table.summary(), table.pos_label, table.class_balance())
        return cmp, info, {"models": prediction_models(columns)}
    found = registry_inputs(model_uris, baseline, data, stats, scoring, engine, ui)
    return found.comparison, found.dataset, found.fields


@dataclass(frozen=True)
class SparkInputs:
    """What a decision record (and ``evaluate --log``) needs of registered versions compared
    on Spark: the comparison, the test set's summary, the record's other fields, each model's
    scores (as the registry resolved it) and the test set's columns (name -> Spark SQL
    type)."""

    comparison: Comparison
    dataset: DatasetInfo
    fields: dict[str, Any]
    scored: dict[str, SparkScored]
    column_types: dict[str, str]


def registry_inputs(
    model_uris: tuple[str, ...],
    baseline: str | None,
    data: DataOptions,
    stats: Statistics,
    scoring: ScoringOptions,
    engine: EngineOptions,
    ui: str | None,
) -> SparkInputs:
    """Registered versions scored and compared on Spark, with what a record says of them."""
    from champion.reports.collect import registered_models
    from champion.reports.record import DatasetInfo
    from champion.spark.rows import ROW_ID
    from champion.workspace.spark import scored_summary

    with spark_workspace(scoring, engine) as workspace:
        dataset = spark_data(workspace, data, engine)
        cmp, scored = workspace.compare(list(model_uris), dataset, stats, baseline)
        ordered = {label: scored[label] for label in cmp.models}
        models, model, champion = registered_models(workspace, ordered, ui)
        info = DatasetInfo(dataset.summary(), dataset.pos_label, dataset.class_balance())
        types = {name: kind for name, kind in dataset.rows.frame.dtypes if name != ROW_ID}
    fields = {
        "models": models,
        "registered_model": model,
        "champion": champion,
        "scored": scored_summary(scored),
    }
    return SparkInputs(cmp, info, fields, dict(scored), types)

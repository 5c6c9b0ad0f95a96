"""What ``champion evaluate --log`` writes to MLflow, composed from a report and its scores."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from champion.data import EvalDataset
from champion.evaluation import EvaluationReport, MetricEstimate
from champion.evaluation.multiclass import MulticlassEvaluation, align_classes
from champion.evaluation.multiclass.curves import class_curves
from champion.models.tracking import EvaluationRecord
from champion.workspace.scores import ScoredModel


def evaluation_record(
    report: EvaluationReport, scored: ScoredModel, dataset: EvalDataset
) -> EvaluationRecord:
    """What ``champion evaluate --log`` writes: metric values with their CI bounds, settings,
    the evaluated rows and the full result (curves included) as JSON-ready data."""
    metrics = metric_values(report.metrics)
    params = {
        **report_params(report, dataset.pos_label, dataset.n),
        "recipe": str(dataset.recipe),
    }
    result = {
        **report.to_dict(curves=True),
        "dataset": dataset.summary(),
        "scores": {"kind": scored.kind, "note": scored.note, "checksum": scored.checksum},
    }
    return _record(dataset, metrics, params, result)


def report_params(report: EvaluationReport, pos_label: Any, rows: int) -> dict[str, str]:
    """The settings of a binary evaluation, as run params."""
    return {
        "threshold": str(report.threshold),
        "confidence": str(report.confidence),
        "n_boot": str(report.n_boot),
        "random_state": str(report.random_state),
        "pos_label": repr(pos_label),
        "rows": str(rows),
    }


def multiclass_record(
    evaluation: MulticlassEvaluation, scored: ScoredModel, dataset: EvalDataset
) -> EvaluationRecord:
    """What ``champion evaluate --log`` writes for a classifier of three or more classes: each
    metric and its CI bounds (f1_macro, f1_macro_ci_low, ...), settings, the evaluated rows and
    the full result (per-class block, confusion matrix, calibration, each class's one-vs-rest
    ROC and PR curves under "curves") as JSON-ready data."""
    metrics = metric_values(evaluation.estimates)
    params = {
        "task": "multiclass",
        "classes": ", ".join(str(c) for c in evaluation.report.classes)[:500],
        "confidence": str(evaluation.confidence),
        "n_boot": str(evaluation.n_boot),
        "ci": evaluation.ci,
        "rows": str(dataset.n),
        "recipe": str(dataset.recipe),
    }
    labels = list(dataset.labels)
    aligned = align_classes(labels, {"model": (scored.values, scored.classes or ())})
    curves = class_curves(labels, aligned.probabilities["model"], aligned.classes)
    result = {
        **evaluation.to_dict(),
        "curves": curves,
        "dataset": dataset.summary(),
        "scores": {"kind": scored.kind, "note": scored.note, "checksum": scored.checksum},
    }
    return _record(dataset, metrics, params, result)


def spark_evaluation_record(
    report: EvaluationReport,
    dataset: Mapping[str, Any],
    scores: Mapping[str, Any],
    schema: Mapping[str, str] | None,
) -> EvaluationRecord:
    """What ``champion evaluate --engine spark --log`` writes: as evaluation_record, but the
    rows stay on the cluster: the dataset input names the test set by its path, row count,
    fingerprint and column types. dataset: SparkData.summary(); scores: the model's entry of
    scored_summary; schema: column -> MLflow type name (spark_schema), or None."""
    metrics = metric_values(report.metrics)
    params = {**report_params(report, dataset["pos_label"], dataset["rows"]), "engine": "spark"}
    result = {
        **report.to_dict(curves=True),
        "dataset": dict(dataset),
        "scores": {"kind": scores["kind"], "note": scores["note"], "table": scores["scores"]},
    }
    source = str(dataset["source"])
    return EvaluationRecord(
        metrics=metrics,
        params=params,
        frame=None,
        target=str(dataset["target"]),
        dataset_name=f"test set: {source}"[:500],
        dataset_source=source,
        dataset_digest=str(dataset["fingerprint"]),
        result=result,
        rows=int(dataset["rows"]),
        schema=schema,
    )


#: Spark SQL type names -> MLflow's column types (mlflow.types.DataType)
_MLFLOW_TYPES = {
    "boolean": "boolean",
    "tinyint": "integer",
    "smallint": "integer",
    "int": "integer",
    "bigint": "long",
    "float": "float",
    "double": "double",
    "string": "string",
    "binary": "binary",
    "date": "datetime",
    "timestamp": "datetime",
    "timestamp_ntz": "datetime",
}


def spark_schema(column_types: Mapping[str, str]) -> dict[str, str] | None:
    """column -> Spark SQL type name ("bigint") as column -> MLflow type name ("long"); None
    when a type has no MLflow name (a decimal, an array, a struct): a schema that left the
    column out would misdescribe the test set."""
    found = {}
    for name, kind in column_types.items():
        mapped = _MLFLOW_TYPES.get(kind)
        if mapped is None:
            return None
        found[name] = mapped
    return found


def metric_values(estimates: Mapping[str, MetricEstimate]) -> dict[str, float]:
    """Each metric's value and CI bounds as MLflow metrics: roc_auc, roc_auc_ci_low, ... (the
    undefined ones left out)."""
    metrics: dict[str, float] = {}
    for name, estimate in estimates.items():
        for suffix, value in (
            ("", estimate.value),
            ("_ci_low", estimate.ci_low),
            ("_ci_high", estimate.ci_high),
        ):
            if value is not None:
                metrics[f"{name}{suffix}"] = value
    return metrics


def _record(
    dataset: EvalDataset, metrics: dict[str, float], params: dict[str, str], result: dict[str, Any]
) -> EvaluationRecord:
    """The record of an evaluation on dataset: its rows (features and target) as the run's
    dataset input, named after the recipe and source."""
    name = f"{dataset.recipe or 'test set'}: {dataset.source}"
    return EvaluationRecord(
        metrics=metrics,
        params=params,
        frame=dataset.frame.assign(**{dataset.target: dataset.labels}),
        target=dataset.target,
        dataset_name=name[:500],
        dataset_source=str(dataset.source),
        dataset_digest=dataset.fingerprint,
        result=result,
    )

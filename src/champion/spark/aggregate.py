"""Exact evaluation of one model's scores held in a Spark DataFrame.

The cluster makes two passes over the rows: one checks them (missing labels or scores, a label
that is not binary, bad weights) and counts them; one groups them by distinct score, summing
the weight of positives and of negatives (GROUP BY score). The driver receives that table only,
D distinct scores x 3 float64 (24 bytes a score, whatever the number of rows), sorts it and
builds the engine's kernel (champion.evaluation.counts.counts_from_groups), from which every
curve, threshold metric, ROC AUC, average precision, log loss, Brier score, calibration bin and
interval follows as in memory. The bound: D <= n, and D is at most the number of distinct
float64 scores a model emits (a model rounded to 4 digits has D <= 10,001); 10 million distinct
scores take 240 MB on the driver.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from champion.data import parse_label
from champion.errors import DataError
from champion.evaluation.counts import BinaryCounts, counts_from_groups
from champion.evaluation.curves import pr_curve, roc_curve
from champion.evaluation.delong import delong_interval
from champion.evaluation.estimates import MetricEstimate, estimate_metrics, optional, point_values
from champion.evaluation.influence import normal_interval
from champion.evaluation.inputs import FloatArray
from champion.evaluation.report import EvaluationReport
from champion.spark.grouped import delta_standard_errors
from champion.spark.reduced import DRIVER_SCORES, ClusterSums, reduce_table
from champion.spark.session import require_pyspark

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

# the interval methods evaluate(ci="analytic") uses for unweighted rows, besides DeLong and Wilson
_DELTA = ("f1", "balanced_accuracy", "mcc", "average_precision", "log_loss", "brier")
_NEGATIVE_LOOKING = {"0", "false", "no", "negative"}


@dataclass(frozen=True)
class ScoreTable:
    """What the driver holds of a Spark test set: the kernel built from the per-score table
    (counts: D distinct scores, the weight of positives and of negatives at each) and the row
    counts the report states (n rows, positives of them, scores outside [0, 1])."""

    counts: BinaryCounts
    n: int
    positives: int
    outside: int
    # set when the table had more distinct scores than the driver takes: counts is then the
    # reduced kernel and these the exact sums (champion.spark.reduced)
    sums: ClusterSums | None = None

    @property
    def driver_bytes(self) -> int:
        """Bytes of the collected table: D (or the reduced kernel's) scores x 3 float64."""
        return int(self.counts.scores.size) * 3 * 8

    @property
    def distinct(self) -> int:
        """D, the number of distinct scores."""
        return self.sums.distinct if self.sums is not None else int(self.counts.scores.size)


def _column_type(df: DataFrame, column: str, what: str) -> Any:
    if column not in df.columns:
        listed = ", ".join(df.columns[:20])
        raise DataError(f"{what} column {column!r} is not in the DataFrame (columns: {listed}).")
    return df.schema[column].dataType


def is_positive(df: DataFrame, label_col: str, pos_label: Any) -> Column:
    """label == pos_label, compared as text when the label column holds strings (as the
    in-memory engine compares string labels)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    label = F.col(label_col)
    if isinstance(df.schema[label_col].dataType, StringType):
        return label == F.lit(str(pos_label))
    return label == F.lit(pos_label)


def typed_label(df: DataFrame, label_col: str, text: str) -> Any:
    """The positive label given as text (--pos-label) as a value of the label column's type,
    as champion.data.parse_label converts it for a table in memory (DataError when it cannot
    be one; the message shows a few of the column's values)."""
    _column_type(df, label_col, "the label")
    sample = df.select(label_col).limit(20).toPandas()[label_col]
    return parse_label(sample, text)


def _looks_negative(label: Any) -> bool:
    if isinstance(label, bool):
        return not label
    if isinstance(label, int | float):
        return float(label) == 0.0
    return str(label).strip().lower() in _NEGATIVE_LOOKING


def score_table(
    df: DataFrame,
    label_col: str,
    score_col: str,
    pos_label: Any = 1,
    weight_col: str | None = None,
    *,
    threshold: float = 0.5,
    confidence: float = 0.95,
    max_driver_scores: int = DRIVER_SCORES,
) -> ScoreTable:
    """Check the rows on the cluster and group them by distinct score; see the module docstring.
    With more than max_driver_scores distinct scores the table stays on the cluster and is
    reduced there (champion.spark.reduced; threshold and confidence are those the report will
    have: the threshold is kept exact, the calibration intervals use the confidence).

    Raises DataError (as champion.evaluation's validation does) for a missing column, an empty
    DataFrame, missing labels, missing or non-finite scores, a label column with more than two
    values, a pos_label that does not occur, and missing, non-finite or negative weights.
    """
    require_pyspark()
    from pyspark.sql import functions as F
    from pyspark.sql.types import NumericType

    _column_type(df, label_col, "the label")
    for column, what in ((score_col, "the score"), (weight_col, "the weight")):
        if column is None:
            continue
        kind = _column_type(df, column, what)
        if not isinstance(kind, NumericType):
            shown = kind.simpleString()
            raise DataError(f"{what} column {column!r} must be numeric; it is {shown}.")
    label = F.col(label_col)
    score = F.col(score_col).cast("double")
    positive = is_positive(df, label_col, pos_label)
    one = F.lit(1)

    def rows(condition: Column) -> Column:
        return F.sum(F.when(condition, one).otherwise(F.lit(0)))

    def non_finite(column: Column) -> Column:
        return column.isNull() | F.isnan(column) | (F.abs(column) == F.lit(math.inf))

    checks = [
        F.count(one).alias("n"),
        rows(positive).alias("positives"),
        rows(label.isNull()).alias("missing_labels"),
        rows(non_finite(score)).alias("bad_scores"),
        rows((score < 0.0) | (score > 1.0)).alias("outside"),
        F.approx_count_distinct(score, 0.05).alias("distinct"),
        F.min(F.when(~positive, label)).alias("other_min"),
        F.max(F.when(~positive, label)).alias("other_max"),
    ]
    weight = None
    if weight_col is not None:
        weight = F.col(weight_col).cast("double")
        checks += [
            rows(non_finite(weight)).alias("bad_weights"),
            rows(weight < 0.0).alias("negative_weights"),
            rows(weight != 1.0).alias("non_unit"),
            F.sum(weight).alias("weight_sum"),
        ]
    found = df.agg(*checks).collect()[0].asDict()
    n = int(found["n"])
    if n == 0:
        raise DataError("the DataFrame has no rows: there is nothing to evaluate.")
    if found["missing_labels"]:
        raise DataError(
            f"{label_col!r} has {found['missing_labels']} missing labels; drop those rows or fill "
            "them before evaluating."
        )
    if found["bad_scores"]:
        raise DataError(
            f"{score_col!r} has {found['bad_scores']} missing, NaN or infinite scores; every row "
            "needs a finite score. Fix the scoring or drop those rows."
        )
    positives = int(found["positives"] or 0)
    low, high = found["other_min"], found["other_max"]
    if positives == 0 and (low != high or not _looks_negative(low)):
        shown = f"{low!r}" if low == high else f"{low!r} and {high!r}"
        raise DataError(
            f"pos_label={pos_label!r} does not occur in {label_col!r}, whose labels include "
            f"{shown}. Pass pos_label= with the label of the positive class."
        )
    if low != high:
        raise DataError(
            f"{label_col!r} is not binary: besides pos_label={pos_label!r} it holds {low!r}, "
            f"{high!r} and perhaps more. Map the labels to two classes and pass pos_label= to "
            "say which one is positive."
        )
    weighted = False
    if weight is not None:
        if found["bad_weights"]:
            raise DataError(
                f"{weight_col!r} has {found['bad_weights']} missing, NaN or infinite weights."
            )
        if found["negative_weights"]:
            raise DataError(
                f"{weight_col!r} has {found['negative_weights']} negative weights; weights must "
                "be >= 0."
            )
        if not (found["weight_sum"] or 0.0) > 0.0:
            raise DataError(f"{weight_col!r} sums to zero: at least one row must carry weight.")
        # unit weights are no weights: keep the exact unweighted methods (DeLong, Wilson)
        weighted = bool(found["non_unit"])
    each = weight if weighted and weight is not None else F.lit(1.0)
    grouped = df.groupBy(score.alias("score")).agg(
        F.sum(F.when(positive, each).otherwise(F.lit(0.0))).alias("positive"),
        F.sum(F.when(positive, F.lit(0.0)).otherwise(each)).alias("negative"),
    )
    outside = int(found["outside"] or 0)
    if int(found["distinct"] or 0) > 0.9 * max_driver_scores:  # an estimate, within ~5%
        grouped = grouped.cache()
        distinct = grouped.count()
        if distinct > max_driver_scores:
            try:
                reduced, sums = reduce_table(
                    grouped, distinct, threshold, outside == 0, weighted, confidence
                )
            finally:
                grouped.unpersist()
            return ScoreTable(reduced, n, positives, outside, sums)
    table = grouped.toArrow()
    counts = counts_from_groups(
        _floats(table.column("score")),
        _floats(table.column("positive")),
        _floats(table.column("negative")),
        weighted=weighted,
    )
    return ScoreTable(counts, n, positives, outside)


def _floats(column: Any) -> FloatArray:
    return np.asarray(column.to_numpy(), dtype=np.float64)


@dataclass(frozen=True)
class Resampled:
    """The Poisson bootstrap of weighted rows for one model: distribution (metric -> (n_boot,)
    values, None when it could not run) with the number of resamples and the seed, or missing,
    why it did not run."""

    distribution: dict[str, FloatArray] | None
    n_boot: int
    seed: int | None
    missing: str = ""


def report_from_table(
    table: ScoreTable,
    name: str,
    threshold: float,
    confidence: float,
    pos_label: Any,
    labels_only: bool = False,
    resampled: Resampled | None = None,
) -> EvaluationReport:
    """The EvaluationReport of a grouped test set (see champion.spark.paired.evaluate_spark);
    labels_only: the scores are predicted labels (1.0 / 0.0), as evaluate(...,
    labels_only=True) takes them; resampled: for weighted rows, the bootstrap's distribution
    (metric -> (B,)) with its size and seed, or why there is none."""
    counts = table.counts
    if labels_only and not np.all((counts.scores == 0.0) | (counts.scores == 1.0)):
        raise DataError(
            f"{name!r} is marked labels-only, but its values are not all 0 or 1: pass 1.0 where "
            "it predicts the positive class and 0.0 elsewhere."
        )
    probabilities = table.outside == 0 and not labels_only
    confusion = counts.confusion_at(threshold)
    roc = roc_curve(counts)
    pr = pr_curve(counts, roc)
    values, notes = point_values(counts, confusion, roc, pr, table.outside == 0, labels_only)
    sums = table.sums
    if sums is not None:  # a reduced kernel: the ranking and probability metrics summed exactly
        values |= {k: v for k, v in sums.values.items() if not math.isnan(values[k])}
    distribution = None if resampled is None else resampled.distribution
    estimates, remarks = estimate_metrics(
        counts, confusion, values, notes, confidence, distribution
    )
    metrics: dict[str, MetricEstimate] = dict(estimates)
    if sums is not None:
        remarks.append(
            f"{sums.distinct} distinct scores: the curves and the threshold sweep show "
            f"{counts.scores.size} of them (exact at each, and at every threshold of the 0.01 "
            "grid); every metric and interval is computed from all of them"
        )
        if not counts.weighted and "roc_auc" in metrics and not math.isnan(values["roc_auc"]):
            low, high = delong_interval(sums.delong_variance, values["roc_auc"], confidence)
            metrics["roc_auc"] = dataclasses.replace(
                metrics["roc_auc"], ci_low=optional(low), ci_high=optional(high)
            )
    if counts.weighted:
        mode = "bootstrap"
        if resampled is None or resampled.distribution is None:
            why = "no resamples were asked for" if resampled is None else resampled.missing
            remarks.append(f"weighted rows: their intervals need the bootstrap; {why}")
    else:
        mode = "analytic"
        errors = delta_standard_errors(counts, threshold, probabilities)
        if sums is not None:  # exact at the threshold; the rest summed on the cluster
            errors |= {k: v for k, v in sums.errors.items() if k in errors}
        for metric in _DELTA:
            value = values[metric]
            low = high = math.nan
            if metric in errors and not math.isnan(value):
                low, high = normal_interval(value, errors[metric], confidence, metric)
            metrics[metric] = MetricEstimate(
                metric, optional(value), optional(low), optional(high), "delta", notes.get(metric)
            )
    if table.outside and not labels_only:
        remarks.append(
            f"{table.outside} scores lie outside [0, 1]: log loss, Brier score and calibration "
            "need probabilities; ranking metrics and curves are unaffected"
        )
    return EvaluationReport(
        name=name,
        n=table.n,
        positives=table.positives,
        threshold=threshold,
        confidence=confidence,
        pos_label=pos_label,
        n_boot=0 if resampled is None else resampled.n_boot,
        random_state=None if resampled is None else resampled.seed,
        metrics=metrics,
        confusion=confusion,
        counts=counts,
        roc=roc,
        pr=pr,
        scores_outside_unit_interval=table.outside,
        notes=tuple(remarks),
        labels_only=labels_only,
        ci=mode,
        summed_calibration=None if sums is None else sums.calibration,
    )


def label_balance(df: DataFrame, label_col: str) -> tuple[tuple[Any, int], ...]:
    """(label, rows) for each label of the column, most frequent first (a decision record's
    class balance), counted on the cluster."""
    counted = df.groupBy(label_col).count().collect()
    pairs = [(row[label_col], int(row["count"])) for row in counted]
    return tuple(sorted(pairs, key=lambda pair: (-pair[1], str(pair[0]))))

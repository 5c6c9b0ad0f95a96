"""Several models' scores in one Spark DataFrame compared with the baseline, exactly.

Each model's report comes from its grouped table (champion.spark.aggregate). The paired tests
need, besides, sums over the rows of products of two models' per-row values: DeLong's paired
variance sums the squared difference of the two models' placements, the delta method the
squared difference of their influence values, McNemar counts who is right where. A row's
placement and influences depend only on its label and its score's group in each model (see
champion.spark.grouped), so the driver tabulates them per (score, label) cell, the cluster joins
each row to its cells in every model (a broadcast join when the tables are small) and sums;
the driver receives one row of sums. Results equal champion.evaluation.compare(...,
ci="analytic") on the same rows to rounding.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from champion.errors import DataError
from champion.evaluation.agreement import Agreement
from champion.evaluation.compare import Comparison, ModelComparison, PairedTests, model_comparison
from champion.evaluation.counts import BinaryCounts
from champion.evaluation.delong import delong_test, group_placements, undefined_delong
from champion.evaluation.inputs import FloatArray, confidence_level, names_in_order, threshold_value
from champion.evaluation.report import EvaluationReport, fresh_seed
from champion.evaluation.stats import mcnemar
from champion.spark.aggregate import (
    Resampled,
    ScoreTable,
    is_positive,
    report_from_table,
    score_table,
)
from champion.spark.bootstrap import MAX_CELLS, poisson_distributions
from champion.spark.grouped import Cells, cell_influences, cell_placements
from champion.spark.reduced import DRIVER_SCORES, THRESHOLD_METRICS, threshold_influences
from champion.spark.session import require_pyspark

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame


def compare_frame(
    df: DataFrame,
    label_col: str,
    score_cols: Mapping[str, str],
    *,
    baseline: str | None = None,
    pos_label: Any = 1,
    weight_col: str | None = None,
    threshold: float = 0.5,
    confidence: float = 0.95,
    labels_only: Collection[str] = (),
    n_boot: int = 1000,
    random_state: int | None = 0,
    row_id: str | None = None,
    max_driver_scores: int = DRIVER_SCORES,
) -> Comparison:
    """Compare the models whose scores are columns of df (score_cols: model name -> column,
    the baseline first unless named) on the same rows: the Comparison that
    champion.evaluation.compare gives with ci="analytic" (unweighted rows: DeLong, McNemar and
    delta-method differences). Weighted rows: exact point values and agreement, and intervals
    from n_boot Poisson resamples shared by every model (champion.spark.bootstrap; seeded by
    random_state, None: a fresh seed; row_id: the column naming each row, which the draws
    follow), as the in-memory engine resamples weighted rows; null when n_boot is 0 or the
    resamples would exceed the driver's limit (a note says which).

    The cluster makes one checking and one grouping pass per model and one joined pass for all
    the pairs; the driver holds each model's (score, label) cells: at most 2 D_i x (3 + 10)
    float64 for D_i distinct scores.
    """
    require_pyspark()
    names = [str(name) for name in score_cols]
    if not names:
        raise DataError("compare needs at least one model's scores.")
    chosen = names[0] if baseline is None else str(baseline)
    if chosen not in names:
        raise DataError(f"baseline {chosen!r} is not among the models: {', '.join(names)}.")
    unknown = set(labels_only) - set(names)
    if unknown:
        raise DataError(f"labels_only names unknown models: {', '.join(sorted(unknown))}.")
    t, level = threshold_value(threshold), confidence_level(confidence)
    ordered = {name: score_cols[name] for name in names_in_order(names, chosen)}
    tables = {
        name: score_table(
            df, label_col, column, pos_label, weight_col, threshold=t, confidence=level,
            max_driver_scores=max_driver_scores,
        )
        for name, column in ordered.items()
    }  # fmt: skip
    resampled = None
    if tables[chosen].counts.weighted:
        resampled = _resampled(df, label_col, ordered, tables, labels_only, t, n_boot,
                               random_state, row_id, pos_label, weight_col)  # fmt: skip
    reports = {
        name: report_from_table(
            table, name, t, level, pos_label, name in labels_only,
            None if resampled is None else resampled[name],
        )
        for name, table in tables.items()
    }  # fmt: skip
    try:
        if len(ordered) == 1:
            return Comparison(chosen, reports, {})
        sums = _paired_sums(df, label_col, pos_label, ordered, reports, tables)
    finally:
        for table in tables.values():
            if table.sums is not None:
                table.sums.release()
    comparisons = {
        name: _comparison(name, chosen, reports, tables, sums, level, resampled)
        for name in list(ordered)[1:]
    }
    return Comparison(chosen, reports, comparisons)


def evaluate_spark(
    df: DataFrame,
    label_col: str,
    score_col: str,
    pos_label: Any = 1,
    weight_col: str | None = None,
    threshold: float = 0.5,
    confidence: float = 0.95,
    name: str = "model",
    *,
    n_boot: int = 1000,
    random_state: int | None = 0,
    row_id: str | None = None,
    max_driver_scores: int = DRIVER_SCORES,
) -> EvaluationReport:
    """Evaluate one model's scores in a Spark DataFrame exactly: the EvaluationReport that
    champion.evaluation.evaluate(..., ci="analytic") gives for the same rows (so every view
    draws it unchanged). df holds a label column (pos_label marks the positive class; string
    labels are compared as text), a numeric score column and optionally a weight column.

    Intervals, unweighted rows: DeLong for ROC AUC (from the grouped placements, see
    champion.spark.aggregate), Wilson for accuracy, precision, recall and specificity, and the
    delta method for the rest (influence values per (score, label) cell,
    champion.spark.grouped). Weighted rows: percentiles of n_boot Poisson resamples (see
    compare_frame).
    """
    found = compare_frame(
        df, label_col, {name: score_col}, pos_label=pos_label, weight_col=weight_col,
        threshold=threshold, confidence=confidence, n_boot=n_boot, random_state=random_state,
        row_id=row_id, max_driver_scores=max_driver_scores,
    )  # fmt: skip
    return found.models[name]


def _resampled(
    df: DataFrame,
    label_col: str,
    ordered: Mapping[str, str],
    tables: Mapping[str, ScoreTable],
    labels_only: Collection[str],
    threshold: float,
    n_boot: int,
    random_state: int | None,
    row_id: str | None,
    pos_label: Any,
    weight_col: str | None,
) -> dict[str, Resampled]:
    """Each model's Poisson bootstrap of weighted rows (shared resamples), or why there is
    none: no resamples asked for, or more (resample, score) cells than the driver takes."""
    cells = n_boot * sum(table.distinct for table in tables.values())
    seed = fresh_seed() if random_state is None else int(random_state)
    missing = ""
    if n_boot <= 0:
        missing = "the bootstrap is off (n_boot=0)"
    elif cells > MAX_CELLS:
        missing = (
            f"{n_boot} resamples of {cells // n_boot:,} distinct scores would hold {cells:,} "
            f"cells on the driver, above {MAX_CELLS:,}: use fewer resamples or round the scores"
        )
    if missing:
        return {name: Resampled(None, 0, None, missing) for name in ordered}
    found = poisson_distributions(
        df, label_col, list(ordered.values()), pos_label=pos_label, weight_col=weight_col,
        threshold=threshold, probabilities=[t.outside == 0 for t in tables.values()],
        labels_only=[name in labels_only for name in ordered], n_boot=n_boot, seed=seed,
        row_id=row_id,
    )  # fmt: skip
    return {name: Resampled(dist, n_boot, seed) for name, dist in zip(ordered, found, strict=True)}


def _cell_table(report: EvaluationReport, prefix: str) -> pa.Table:
    """The (score, label) cells of a model's kernel with the rows' placement and influence
    values in each: columns score, y, plc and one per metric, each prefixed, (m,)."""
    counts: BinaryCounts = report.counts
    psi: dict[str, FloatArray] = {}
    if counts.weighted:  # the delta method assumes plain rows: no influences, no intervals
        cells = Cells(counts, every=True)
    else:
        cells, psi = cell_influences(counts, report.threshold, report.probabilities)
    columns = {
        "score": cells.score,
        "y": cells.label,
        "plc": cell_placements(counts, cells),
        **psi,
    }
    return pa.table({f"{prefix}{name}": np.asarray(v) for name, v in columns.items()})


def _cells(spark: Any, report: EvaluationReport, table: ScoreTable, prefix: str) -> DataFrame:
    """A model's (score, label) cells with placements and influences, each column prefixed:
    built on the driver from its kernel, or (a table reduced on the cluster) there."""
    if table.sums is None:
        built: DataFrame = spark.createDataFrame(_cell_table(report, prefix))
        return built
    from pyspark.sql import functions as F

    cells = table.sums.cells
    if not report.probabilities:
        cells = cells.drop("log_loss", "brier")
    if not report.counts.weighted:  # threshold metrics: one value per (label, predicted)
        psi = threshold_influences(report.confusion, report.threshold)
        predicted = F.col("score") >= F.lit(report.threshold)
        for metric in THRESHOLD_METRICS:
            value = F.lit(None).cast("double")
            for (label, chosen), values in psi.items():
                here = (F.col("y") == F.lit(label)) & (predicted == F.lit(chosen))
                value = F.when(here, F.lit(values[metric])).otherwise(value)
            cells = cells.withColumn(metric, value)
    else:
        cells = cells.drop("average_precision", "log_loss", "brier")
    return cells.select(*[F.col(c).alias(f"{prefix}{c}") for c in cells.columns])


def _paired_sums(
    df: DataFrame,
    label_col: str,
    pos_label: Any,
    ordered: Mapping[str, str],
    reports: Mapping[str, EvaluationReport],
    tables: Mapping[str, ScoreTable],
) -> dict[str, float]:
    """One pass over the rows joined to every model's cells: the sums each pair needs, by
    name "<what>_<model index>" (see _comparison)."""
    from pyspark.sql import functions as F

    spark = df.sparkSession
    rows = df.select(
        is_positive(df, label_col, pos_label).alias("_y"),
        *[F.col(c).cast("double").alias(f"_s{i}") for i, c in enumerate(ordered.values())],
    )
    metrics: list[set[str]] = []
    for i, (name, report) in enumerate(reports.items()):
        prefix = f"_m{i}_"
        cells = _cells(spark, report, tables[name], prefix)
        metrics.append({c.removeprefix(prefix) for c in cells.columns} - {"score", "y", "plc"})
        on = (rows[f"_s{i}"] == cells[f"{prefix}score"]) & (rows["_y"] == cells[f"{prefix}y"])
        rows = rows.join(cells, on=on, how="left")
    y = F.col("_y")
    base_auc = _auc(reports, 0)
    sums: list[Column] = []
    for i in range(1, len(reports)):
        threshold = list(reports.values())[i].threshold
        right = [(F.col(f"_s{j}") >= threshold) == y for j in (0, i)]
        shift = _auc(reports, i) - base_auc
        d = F.col(f"_m{i}_plc") - F.col("_m0_plc")
        sums += [
            _count(right[0] & right[1]).alias(f"both_{i}"),
            _count(right[0] & ~right[1]).alias(f"base_{i}"),
            _count(~right[0] & right[1]).alias(f"chal_{i}"),
            _count(~right[0] & ~right[1]).alias(f"wrong_{i}"),
            _count(F.col(f"_m{i}_plc").isNull() | F.col("_m0_plc").isNull()).alias(f"miss_{i}"),
            F.sum(F.when(y, d)).alias(f"d10_{i}"),
            F.sum(F.when(~y, d)).alias(f"d01_{i}"),
            F.sum(F.when(y, (d - shift) ** 2)).alias(f"q10_{i}"),
            F.sum(F.when(~y, (d - shift) ** 2)).alias(f"q01_{i}"),
        ]
        for metric in sorted(metrics[0] & metrics[i]):
            diff = F.col(f"_m{i}_{metric}") - F.col(f"_m0_{metric}")
            sums.append(F.sum(diff * diff).alias(f"psi_{metric}_{i}"))
    found = rows.agg(*sums).collect()[0].asDict()
    return {key: math.nan if value is None else float(value) for key, value in found.items()}


def _count(condition: Column) -> Column:
    from pyspark.sql import functions as F

    return F.sum(F.when(condition, F.lit(1)).otherwise(F.lit(0)))


def _auc(reports: Mapping[str, EvaluationReport], i: int) -> float:
    """The mean placement of the positives (the AUC), or 0 when undefined (a shift only)."""
    counts = list(reports.values())[i].counts
    if counts.positives <= 0 or counts.negatives <= 0:
        return 0.0
    v10, _ = group_placements(counts)
    return float(np.dot(counts.group_tps, v10)) / counts.positives


def _comparison(
    name: str,
    baseline: str,
    reports: Mapping[str, EvaluationReport],
    tables: Mapping[str, ScoreTable],
    sums: Mapping[str, float],
    confidence: float,
    resampled: Mapping[str, Resampled] | None = None,
) -> ModelComparison:
    """The challenger name against baseline from the pass's sums."""
    i = list(reports).index(name)
    if sums[f"miss_{i}"]:
        raise DataError(
            f"{int(sums[f'miss_{i}'])} rows found no score group of {name!r} or the baseline: "
            "the scores changed between two passes over the DataFrame. Cache or write it first "
            "(a nondeterministic source cannot be compared)."
        )
    agreement = Agreement(*(int(sums[f"{k}_{i}"]) for k in ("both", "base", "chal", "wrong")))
    table = tables[baseline]
    positives, negatives = table.positives, table.n - table.positives
    if positives < 2 or negatives < 2:
        test_delong = undefined_delong()
    else:
        shift = _auc(reports, i) - _auc(reports, 0)
        delta = sums[f"d10_{i}"] / positives
        # sum (d - mean)^2 = sum (d - shift)^2 - count (mean - shift)^2: shift is the mean but
        # for rounding, so nothing cancels
        var10 = (sums[f"q10_{i}"] - positives * (delta - shift) ** 2) / (positives - 1)
        mean01 = sums[f"d01_{i}"] / negatives
        var01 = (sums[f"q01_{i}"] - negatives * (mean01 - shift) ** 2) / (negatives - 1)
        test_delong = delong_test(delta, var10 / positives + var01 / negatives, confidence)
    weighted = table.counts.weighted
    errors = None
    if not weighted:
        errors = {
            key.removeprefix("psi_").removesuffix(f"_{i}"): _standard_error(value, table.n)
            for key, value in sums.items()
            if key.startswith("psi_") and key.endswith(f"_{i}")
        }
    test_mcnemar = mcnemar(agreement.baseline_only, agreement.challenger_only)
    differences = None
    base_draws = None if resampled is None else resampled[baseline].distribution
    chal_draws = None if resampled is None else resampled[name].distribution
    if base_draws is not None and chal_draws is not None:  # paired: the same resamples
        differences = {m: chal_draws[m] - base_draws[m] for m in base_draws.keys() & chal_draws}
    tests = PairedTests(agreement, test_delong, test_mcnemar, weighted, differences, errors)
    return model_comparison(name, baseline, reports, tests, confidence)


def _standard_error(squares: float, n: int) -> float:
    """sqrt(sum of squared influences) / n, as champion.evaluation.influence.standard_error."""
    if n < 2 or not math.isfinite(squares):
        return math.nan
    return math.sqrt(squares) / n

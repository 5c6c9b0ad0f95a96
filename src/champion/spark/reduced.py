"""Exact evaluation when a model has too many distinct scores for the driver: a two-level
reduction of the per-score table on the cluster.

The table of distinct scores (score, weight of positives, weight of negatives; D rows) stays on
the cluster. Level one cuts it into blocks of consecutive scores (about BLOCK_SCORES each) and
sums each block; the driver turns the B block sums into offsets (what scores above, and below,
each block). Level two runs within each block, in score order, with its offsets: the running
sums there plus the offsets are the exact cumulative counts of the whole table, so every
group's placement (DeLong), precision, influence value and loss is exact, and the sums of
them, which the cluster returns, are the exact ROC AUC, average precision, log loss, Brier
score, DeLong variance, delta-method standard errors and calibration bins.

The driver holds B block sums and a reduced kernel: CURVE_POINTS of the D thresholds (every
D / CURVE_POINTS-th, the smallest score at or above 0, 0.01, ..., 1 and the threshold, and the
best thresholds by Youden's J and F1), with their exact cumulative counts. Curves are drawn
through those exact points; threshold metrics are exact at each kept threshold, hence at the
threshold, on the 0.01 grid and at the best thresholds. Its memory is independent of D and of
the number of rows: about CURVE_POINTS x 200 bytes (4 MB) plus 40 bytes a block.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import operator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from champion.evaluation.calibration import BinSums, Calibration, calibration_from_bins
from champion.evaluation.counts import BinaryCounts, counts_from_groups
from champion.evaluation.metrics import _EPS
from champion.spark.grouped import cell_influences

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

DRIVER_SCORES = 500_000  # distinct scores above which the table stays on the cluster
BLOCK_SCORES = 250_000  # distinct scores a block holds, about (level two sorts one block)
CURVE_POINTS = 20_000  # thresholds the reduced kernel keeps, besides the grid
GRID = tuple(i / 100 for i in range(101))  # thresholds kept exact (the dashboard's step)
TOP_CANDIDATES = 32  # best thresholds (Youden's J, F1) kept, each
CAL_EDGES = np.linspace(0.0, 1.0, 11)  # the report's ten uniform calibration bins
THRESHOLD_METRICS = (
    "accuracy", "precision", "recall", "specificity", "f1", "mcc", "balanced_accuracy",
)  # fmt: skip


@dataclass(frozen=True)
class ClusterSums:
    """The exact quantities of a table reduced on the cluster (see the module docstring).

    values: roc_auc, average_precision, log_loss, brier (NaN where undefined); errors: their
    delta-method standard errors (unweighted rows; NaN where undefined); delong_variance: of
    the AUC, NaN with fewer than two rows of a class; calibration: the ten uniform bins, or
    None when the scores are not probabilities; cells: a DataFrame on the cluster of every
    (score, label) cell with its rows' DeLong placement (plc) and influence values (psi_*),
    what the paired tests join the rows to."""

    distinct: int
    values: dict[str, float]
    errors: dict[str, float]
    delong_variance: float
    calibration: Calibration | None
    cells: DataFrame
    cached: tuple[DataFrame, ...] = ()

    def release(self) -> None:
        """Drop what the reduction keeps cached on the cluster (cells cannot be read after)."""
        for frame in self.cached:
            frame.unpersist()


def reduce_table(
    grouped: DataFrame,
    distinct: int,
    threshold: float,
    probabilities: bool,
    weighted: bool,
    confidence: float,
) -> tuple[BinaryCounts, ClusterSums]:
    """The reduced kernel and the exact sums of a per-score table (score, positive, negative)
    of distinct rows, cached on the cluster by the caller."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    spark = grouped.sparkSession
    blocked = _blocks(grouped, distinct)
    grid = sorted({*GRID, threshold})
    score = F.col("score")
    firsts = [F.min(F.when(score >= F.lit(t), score)).alias(f"g{i}") for i, t in enumerate(grid)]
    level_one = blocked.groupBy("block").agg(
        F.sum("positive").alias("p"),
        F.sum("negative").alias("n"),
        F.count(F.lit(1)).alias("d"),
        *firsts,
    )
    blocks = sorted((row.asDict() for row in level_one.collect()), key=lambda r: -r["block"])
    positives = float(sum(b["p"] for b in blocks))
    negatives = float(sum(b["n"] for b in blocks))
    # per grid threshold, the smallest score at or above it: kept, so confusion_at is exact there
    forced: set[float] = set()
    for i in range(len(grid)):
        found = [b[f"g{i}"] for b in blocks if b[f"g{i}"] is not None]
        if found:
            forced.add(min(found))
    offsets, above_p, above_n, above_d = [], 0.0, 0.0, 0
    for b in blocks:  # highest scores first
        offsets.append((float(b["block"]), above_p, above_n, above_d))
        above_p, above_n, above_d = above_p + b["p"], above_n + b["n"], above_d + b["d"]
    table = spark.createDataFrame(
        offsets, "block double, p_above double, n_above double, d_above long"
    )
    down = Window.partitionBy("block").orderBy(score.desc())
    running = down.rowsBetween(Window.unboundedPreceding, Window.currentRow)
    kernel = (
        blocked.join(F.broadcast(table), "block")
        .withColumn("tps", F.col("p_above") + F.sum("positive").over(running))
        .withColumn("fps", F.col("n_above") + F.sum("negative").over(running))
        .withColumn("idx", F.col("d_above") + F.row_number().over(down) - F.lit(1))
    )
    kernel = _with_group_values(kernel, positives, negatives).cache()
    forced |= _best_thresholds(kernel, positives, negatives)
    stride = max(1, math.ceil(distinct / CURVE_POINTS))
    keep = (F.col("idx") % F.lit(stride) == 0) | (F.col("idx") == F.lit(distinct - 1))
    if forced:
        keep = keep | score.isin(sorted(forced))
    kept = kernel.filter(keep).select("score", "positive", "negative", "tps", "fps").toArrow()
    reduced = _reduced_kernel(kept, weighted)
    sums = _sums(kernel, blocks, positives, negatives, probabilities, weighted, confidence)
    return reduced, dataclasses.replace(sums, cached=(kernel, *sums.cached))


def _best_thresholds(kernel: DataFrame, positives: float, negatives: float) -> set[float]:
    """The scores of the TOP_CANDIDATES groups of highest Youden's J and of highest F1, kept in
    the reduced kernel so that its sweep finds the same best thresholds as the full one (the
    best of a subset that holds the best is the best; a few candidates absorb rounding)."""
    from pyspark.sql import functions as F

    if positives <= 0 or negatives <= 0:
        return set()
    tps, fps = F.col("tps"), F.col("fps")
    youden = tps / F.lit(positives) + (F.lit(negatives) - fps) / F.lit(negatives) - F.lit(1.0)
    f1 = F.lit(2.0) * tps / (tps + fps + F.lit(positives))
    found: set[float] = set()
    for objective in (youden, f1):
        ranked = kernel.orderBy(objective.desc(), F.col("score").desc()).select("score")
        found |= {float(row["score"]) for row in ranked.limit(TOP_CANDIDATES).collect()}
    return found


def _blocks(grouped: DataFrame, distinct: int) -> DataFrame:
    """grouped with a "block" column (double, higher block = higher scores): level one."""
    from pyspark.ml.feature import Bucketizer
    from pyspark.sql import functions as F

    count = max(1, math.ceil(distinct / BLOCK_SCORES))
    if count == 1:
        return grouped.withColumn("block", F.lit(0.0))
    probabilities = [i / count for i in range(1, count)]
    # boundaries only balance the blocks: any boundaries give the same exact sums
    cuts = sorted(set(grouped.approxQuantile("score", probabilities, 0.25 / count)))
    splits = [-math.inf, *cuts, math.inf]
    bucketizer = Bucketizer(splits=splits, inputCol="score", outputCol="block")
    return bucketizer.transform(grouped)


def _clip(column: Column) -> Column:
    from pyspark.sql import functions as F

    return F.least(F.greatest(column, F.lit(_EPS)), F.lit(1.0 - _EPS))


def _with_group_values(kernel: DataFrame, positives: float, negatives: float) -> DataFrame:
    """Each group's placements (v10, v01), precision, the terms of average precision's
    influence (a, b), losses and calibration bin, as champion.evaluation computes them."""
    from pyspark.sql import functions as F

    s, pos, neg = F.col("score"), F.col("positive"), F.col("negative")
    tps, fps = F.col("tps"), F.col("fps")
    above = tps + fps
    precision = tps / above
    # the bin of a score: how many inner edges lie below it ((lo, hi] bins, the first [0, hi])
    in_bin = functools.reduce(
        operator.add, [(s > F.lit(float(e))).cast("int") for e in CAL_EDGES[1:-1]]
    )
    return kernel.select(
        "*",
        ((F.lit(negatives) - fps + F.lit(0.5) * neg) / F.lit(max(negatives, 1.0))).alias("v10"),
        ((tps - F.lit(0.5) * pos) / F.lit(max(positives, 1.0))).alias("v01"),
        precision.alias("precision"),
        (pos / above).alias("a"),
        (pos * precision / above).alias("b"),
        (-F.log(_clip(s))).alias("loss_p"),
        (-F.log(_clip(F.lit(1.0) - s))).alias("loss_n"),
        ((F.lit(1.0) - s) ** 2).alias("brier_p"),
        (s * s).alias("brier_n"),
        in_bin.alias("bin"),
    )


def _reduced_kernel(kept: Any, weighted: bool) -> BinaryCounts:
    """The kernel of the kept thresholds: each kept score stands for the run of scores down to
    it from the previous kept one, so its cumulative counts are exact."""
    score = np.asarray(kept.column("score").to_numpy(), dtype=np.float64)
    tps = np.asarray(kept.column("tps").to_numpy(), dtype=np.float64)
    fps = np.asarray(kept.column("fps").to_numpy(), dtype=np.float64)
    order = np.argsort(score)[::-1]
    tps, fps = tps[order], fps[order]
    group_p = np.diff(np.concatenate(([0.0], tps)))
    group_n = np.diff(np.concatenate(([0.0], fps)))
    counts = counts_from_groups(score[order], group_p, group_n, weighted=weighted)
    # the cumulative counts as the cluster summed them (differencing and summing again rounds)
    return BinaryCounts(
        counts.thresholds, np.concatenate(([0.0], tps)), np.concatenate(([0.0], fps)), weighted
    )


def _sums(
    kernel: DataFrame,
    blocks: list[dict[str, Any]],
    positives: float,
    negatives: float,
    probabilities: bool,
    weighted: bool,
    confidence: float,
) -> ClusterSums:
    """Level two's sums: the point values first, then what needs them (variances, influences)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    pos, neg = F.col("positive"), F.col("negative")
    n = positives + negatives
    first = kernel.agg(
        F.sum(pos * F.col("v10")).alias("auc"),
        F.sum(pos * F.col("precision")).alias("ap"),
        F.sum(pos * F.col("loss_p") + neg * F.col("loss_n")).alias("loss"),
        F.sum(pos * F.col("brier_p") + neg * F.col("brier_n")).alias("brier"),
    ).collect()[0]
    both = positives > 0 and negatives > 0
    auc = float(first["auc"]) / positives if both else math.nan
    ap = float(first["ap"]) / positives if both else math.nan
    loss = float(first["loss"]) / n if probabilities else math.nan
    brier = float(first["brier"]) / n if probabilities else math.nan
    # average precision's influence sums over the groups scoring at most s_k: block totals
    # from below, then running sums upwards within each block
    totals = {
        float(r["block"]): (float(r["sa"] or 0.0), float(r["sb"] or 0.0))
        for r in kernel.groupBy("block")
        .agg(F.sum("a").alias("sa"), F.sum("b").alias("sb"))
        .collect()
    }
    below, acc_a, acc_b = [], 0.0, 0.0
    for block in sorted(totals):
        below.append((block, acc_a, acc_b))
        acc_a, acc_b = acc_a + totals[block][0], acc_b + totals[block][1]
    spark = kernel.sparkSession
    table = spark.createDataFrame(below, "block double, a_below double, b_below double")
    up = (
        Window.partitionBy("block")
        .orderBy(F.col("score"))
        .rowsBetween(Window.unboundedPreceding, Window.currentRow)
    )
    pi = positives / n
    u = ap * pi
    sa = F.col("a_below") + F.sum("a").over(up)
    sb = F.col("b_below") + F.sum("b").over(up)
    # champion.evaluation.influence._average_precision, a negative's and a positive's value
    ap_n = (-sb - F.lit(u) + F.lit(ap * pi)) / F.lit(pi)
    ap_p = (F.col("precision") + sa - sb - F.lit(u) - F.lit(ap * (1.0 - pi))) / F.lit(pi)
    ready = kernel.join(F.broadcast(table), "block").select(
        "score", "positive", "negative", "v10", "v01", "loss_p", "loss_n", "brier_p", "brier_n",
        ap_n.alias("ap_n"), ap_p.alias("ap_p"),
    )  # fmt: skip
    ready = ready.select(
        "*",
        (F.col("loss_p") - F.lit(loss)).alias("ll_p"),
        (F.col("loss_n") - F.lit(loss)).alias("ll_n"),
        (F.col("brier_p") - F.lit(brier)).alias("br_p"),
        (F.col("brier_n") - F.lit(brier)).alias("br_n"),
    ).cache()
    second = ready.agg(
        F.sum(pos * (F.col("v10") - F.lit(auc)) ** 2).alias("s10"),
        F.sum(neg * (F.col("v01") - F.lit(auc)) ** 2).alias("s01"),
        *[
            F.sum(pos * F.col(f"{k}_p") ** 2 + neg * F.col(f"{k}_n") ** 2).alias(k)
            for k in ("ap", "ll", "br")
        ],
    ).collect()[0]
    variance = math.nan
    if positives >= 2 and negatives >= 2:
        s10 = float(second["s10"]) / (positives - 1)
        s01 = float(second["s01"]) / (negatives - 1)
        variance = s10 / positives + s01 / negatives
    errors = {}
    for metric, key, value in (
        ("average_precision", "ap", ap),
        ("log_loss", "ll", loss),
        ("brier", "br", brier),
    ):
        squares = float(second[key]) if second[key] is not None else math.nan
        ok = not weighted and n >= 2 and math.isfinite(value) and math.isfinite(squares)
        errors[metric] = math.sqrt(squares) / n if ok else math.nan
    calibration = _calibration(kernel, n, weighted, confidence) if probabilities else None
    values = {"roc_auc": auc, "average_precision": ap, "log_loss": loss, "brier": brier}
    cells = _cells(ready, weighted)
    distinct = int(sum(b["d"] for b in blocks))
    return ClusterSums(distinct, values, errors, variance, calibration, cells, (ready,))


def _calibration(kernel: DataFrame, n: float, weighted: bool, confidence: float) -> Calibration:
    """The ten uniform bins of the report, summed from every distinct score."""
    from pyspark.sql import functions as F

    s, pos, neg = F.col("score"), F.col("positive"), F.col("negative")
    rows = (
        kernel.groupBy("bin")
        .agg(
            F.sum(pos + neg).alias("count"),
            F.sum(pos).alias("positive"),
            F.sum(s * (pos + neg)).alias("s"),
            F.sum(s * pos).alias("sp"),
            F.sum(s * s * (pos + neg)).alias("ss"),
        )
        .collect()
    )
    bins = CAL_EDGES.size - 1
    count, positive, sums = np.zeros(bins), np.zeros(bins), np.zeros((3, bins))
    for row in rows:
        b = int(row["bin"])
        count[b], positive[b] = row["count"], row["positive"]
        sums[:, b] = (row["s"], row["sp"], 0.0 if weighted else row["ss"])
    return calibration_from_bins(
        BinSums(CAL_EDGES, count, positive, sums), n, weighted, "uniform", confidence
    )


def _cells(ready: DataFrame, weighted: bool) -> DataFrame:
    """Every (score, label) cell with rows (every cell, for weighted rows: a weight of zero
    still has its row): its placement and influence values, on the cluster."""
    from pyspark.sql import functions as F

    def side(label: bool, suffix: str, placement: str, weight: str) -> DataFrame:
        chosen = ready if weighted else ready.filter(F.col(weight) > 0)
        return chosen.select(
            F.col("score"),
            F.lit(label).alias("y"),
            F.col(placement).alias("plc"),
            F.col(f"ap_{suffix}").alias("average_precision"),
            F.col(f"ll_{suffix}").alias("log_loss"),
            F.col(f"br_{suffix}").alias("brier"),
        )

    return side(True, "p", "v10", "positive").unionByName(side(False, "n", "v01", "negative"))


def threshold_influences(
    confusion: Any, threshold: float
) -> dict[tuple[bool, bool], dict[str, float]]:
    """The influence value of every threshold metric for a row of each (label, predicted)
    cell: they depend on nothing else than the confusion counts (champion.spark.grouped)."""
    hi = threshold
    lo = float(np.nextafter(threshold, -np.inf))
    tiny = counts_from_groups(
        np.array([hi, lo]),
        np.array([confusion.tp, confusion.fn]),
        np.array([confusion.fp, confusion.tn]),
    )
    cells, psi = cell_influences(tiny, threshold, False)
    found: dict[tuple[bool, bool], dict[str, float]] = {}
    for i in range(cells.count.size):
        key = (bool(cells.label[i]), bool(cells.score[i] >= threshold))
        found[key] = {m: float(psi[m][i]) for m in THRESHOLD_METRICS}
    return found

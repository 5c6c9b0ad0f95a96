"""The Poisson bootstrap of a Spark DataFrame: one pass, every model, every resample, paired.

The in-memory engine draws each resample as n rows with replacement (a multinomial). On a
cluster that needs the whole table in one place; the Poisson bootstrap (Hanley & MacGibbon
2006; Chamandy, Muralidharan, Najmi & Naidu 2012, "Estimating uncertainty for massive data
streams") draws instead, independently for every row i and resample b, how often the row
counts: m_ib ~ Poisson(1), the limit of the multinomial's marginal Binomial(n, 1/n). The
resamples' sizes vary around n; every metric here is normalised by its resample's own weight,
so the spread is the multinomial bootstrap's to first order (tests/spark measures the two
within a few percent). A row's weight in resample b is w_i * m_ib.

The draw is a deterministic function of the row, b and the seed:

    key_i  = xxhash64(row_id)                          with a row_id column, else
             xxhash64(xxhash64(the row's columns), j)  for the j-th of the rows equal in
                                                       every column (j = 0 for a unique row)
    u_ib   = (xxhash64(key_i, b, seed) >>> 11) * 2**-53     uniform on [0, 1)
    m_ib   = min {k : u_ib < F(k)}                     F: Poisson(1)'s distribution function

so it does not depend on how the rows are partitioned or ordered, and every model (score
column) of the rows gets the same m_ib: differences between models are paired, as the
in-memory bootstrap's shared count matrix makes them. The weighted sums are exact: each weight
is rounded to an integer multiple of 2**(e - 52) (2**e the power of two just above the
largest weight: exact within a factor of 2 of the largest, a relative error under
2**-52 x largest / weight below, so a weight under about 2**-53 of the largest counts as zero)
and summed as 64-bit integers, so the result does not depend on the order of the sums either:
repartitioning a DataFrame gives the very same numbers, to the bit.

Cost. Before resampling, champion.spark.aggregate.score_table checks and groups each model's
rows (two light passes per model, which also count its D_k distinct scores), and one more
light pass finds the largest weight. The resampling pass then keys the rows (without row_id a
shuffle of the n rows groups equal rows together), expands every row into n_boot draws
(n * n_boot hashes), keeps the draws with m_ib > 0 (about 63%), emits each once per model and
groups them by (model, resample, score), summing the positives' and the negatives' weight.
Spark aggregates within each partition first, so the shuffle carries at most partitions *
n_boot * sum_k D_k rows and the driver receives n_boot * sum_k D_k at most (fewer: a resample
misses some scores): 32 bytes each as collected, about 40 while read (see _distributions), so
some 0.7 to 0.8 GB at the default max_cells of 20 million.

Grouping by (resample, score_0, ..., score_K-1) instead would emit each draw once, not K
times, but the joint distinct tuples can number n even when each model has few distinct
scores, so neither the shuffle nor the driver's table would stay bounded by sum_k D_k. The
driver builds each resample's kernel with counts_from_groups and reads every metric from it as
the in-memory bootstrap does (champion.evaluation.bootstrap.kernel_metrics).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from champion.errors import DataError
from champion.evaluation.bootstrap import kernel_metrics
from champion.evaluation.counts import counts_from_groups
from champion.evaluation.inputs import FloatArray, threshold_value
from champion.spark.aggregate import ScoreTable, is_positive, score_table
from champion.spark.session import require_pyspark

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

MAX_CELLS = 20_000_000


def _poisson_one_cdf() -> tuple[float, ...]:
    """F(0), F(1), ... of Poisson(1) while F(k) < 1 in float64 (the tail beyond is < 2**-53)."""
    bounds: list[float] = []
    term = total = math.exp(-1.0)
    k = 0
    while total < 1.0 and k < 30:
        bounds.append(total)
        k += 1
        term /= k
        total += term
    return tuple(bounds)


_CDF = _poisson_one_cdf()
_HALF = 26  # an integral weight of up to 52 bits is summed as two 26-bit halves
_SIGNED = 1 << 63


def poisson_distributions(
    df: DataFrame,
    label_col: str,
    score_cols: Sequence[str],
    *,
    pos_label: Any,
    weight_col: str | None,
    threshold: float,
    probabilities: Sequence[bool],
    labels_only: Sequence[bool],
    n_boot: int,
    seed: int,
    row_id: str | None = None,
    max_cells: int = MAX_CELLS,
) -> list[dict[str, FloatArray]]:
    """Resampled values of every metric of each score column, on shared Poisson resamples.

    Returns, for each column of score_cols in order, metric name -> (n_boot,) values in the
    form champion.evaluation.bootstrap.bootstrap gives them (the same names; log loss and
    Brier score only where probabilities[k] holds, the scores lie in [0, 1] and labels_only[k]
    does not), so that champion.evaluation.estimates.estimate_metrics takes one as its
    distribution and the differences of two as PairedTests(resampled=...). NaN marks a
    resample where a metric is undefined. See the module docstring for the draw and the cost.

    row_id: a column that names each row (e.g. champion.spark.rows.ROW_ID); the draws then
    depend on the id alone, so a model gets the same resamples alone and beside others, from
    any DataFrame holding the same ids. Rows sharing an id (or a null id) share their draws:
    they are resampled together, as one. Without row_id a row is known by the values of all
    its columns (map and variant columns left out: Spark cannot hash them), so a model gets
    the same resamples alone and beside others from the same DataFrame; rows equal in every
    column are numbered among themselves and drawn independently, as the in-memory bootstrap
    draws duplicate rows (and since such rows are interchangeable, the order in which they
    are numbered changes nothing). The draws change when any column does: a column added or
    dropped gives other, equally valid, resamples.

    Input is checked as score_table checks it (DataError for missing columns, labels that are
    not binary, missing or non-finite scores, bad weights, an empty DataFrame), and labels-only
    columns must hold 0 and 1 only. DataError, before any resampling, when n_boot is not a
    whole number >= 1, or when n_boot x (the distinct scores of every model) would exceed
    max_cells, the number of (resample, score) cells the driver may hold.
    """
    require_pyspark()
    columns = list(score_cols)
    _check_arguments(columns, probabilities, labels_only, n_boot, max_cells, seed)
    n_boot = int(n_boot)
    t = threshold_value(threshold)
    if row_id is not None and row_id not in df.columns:
        raise DataError(f"the row id column {row_id!r} is not in the DataFrame.")
    tables = [score_table(df, label_col, column, pos_label, weight_col) for column in columns]
    for column, table, only in zip(columns, tables, labels_only, strict=True):
        scores = table.counts.scores
        if only and not np.all((scores == 0.0) | (scores == 1.0)):
            raise DataError(
                f"{column!r} is marked labels-only, but its values are not all 0 or 1: pass 1.0 "
                "where it predicts the positive class and 0.0 elsewhere."
            )
    _check_cells(columns, tables, n_boot, max_cells)
    grouped = _resampled_groups(df, label_col, columns, pos_label, weight_col, n_boot, seed, row_id)
    kinds = [
        bool(p) and not bool(only) and table.outside == 0
        for p, only, table in zip(probabilities, labels_only, tables, strict=True)
    ]
    return _distributions(grouped, kinds, t, n_boot)


def _check_arguments(
    columns: Sequence[str],
    probabilities: Sequence[bool],
    labels_only: Sequence[bool],
    n_boot: int,
    max_cells: int,
    seed: int,
) -> None:
    if not columns:
        raise DataError("the Poisson bootstrap needs at least one score column.")
    if len(probabilities) != len(columns) or len(labels_only) != len(columns):
        raise DataError(
            f"probabilities and labels_only need one entry per score column ({len(columns)}); "
            f"got {len(probabilities)} and {len(labels_only)}."
        )
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 1:
        raise DataError(f"n_boot must be a whole number >= 1 (resamples); got {n_boot!r}.")
    if isinstance(max_cells, bool) or not isinstance(max_cells, int | np.integer) or max_cells < 1:
        raise DataError(f"max_cells must be a whole number >= 1; got {max_cells!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise DataError(f"seed must be a whole number; got {seed!r}.")


def _check_cells(
    columns: Sequence[str], tables: Sequence[ScoreTable], n_boot: int, max_cells: int
) -> None:
    """DataError when n_boot x sum_k D_k, the most (resample, score) cells the driver can
    receive, exceeds max_cells."""
    distinct = [table.distinct for table in tables]
    cells = int(n_boot) * sum(distinct)
    if cells <= max_cells:
        return
    each = ", ".join(f"{c!r}: {d:,}" for c, d in zip(columns, distinct, strict=True))
    fits = max(0, max_cells // max(sum(distinct), 1))
    raise DataError(
        f"the Poisson bootstrap would hold up to n_boot x distinct scores = {int(n_boot):,} x "
        f"{sum(distinct):,} = {cells:,} cells on the driver (distinct scores {each}), above "
        f"max_cells={max_cells:,} (about 40 bytes a cell). Use fewer resamples (--n-boot "
        f"{fits:,} or fewer), or round the scores (to 4 digits: at most 10,001 distinct "
        "values), or raise max_cells if the driver has the memory."
    )


def _quoted(name: str) -> Column:
    """The column called name, even when the name holds dots or backticks."""
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")


def _multiplicity(u: Column) -> Column:
    """Poisson(1) by inversion of a uniform u on [0, 1): the first k with u < F(k)."""
    from pyspark.sql import functions as F

    draw = F.when(u < F.lit(_CDF[0]), F.lit(0))
    for k, bound in enumerate(_CDF[1:], start=1):
        draw = draw.when(u < F.lit(bound), F.lit(k))
    return draw.otherwise(F.lit(len(_CDF)))


def _signed64(seed: int) -> int:
    """seed as a signed 64-bit integer (Spark's long), modulo 2**64."""
    return (int(seed) + _SIGNED) % (1 << 64) - _SIGNED


def _times_two_to(value: Column, power: int) -> Column:
    """value * 2**power, exactly (barring overflow), even where 2**power alone is no float64:
    two factors of half the power each."""
    from pyspark.sql import functions as F

    half = power // 2
    return value * F.lit(math.ldexp(1.0, half)) * F.lit(math.ldexp(1.0, power - half))


def _largest_weight(df: DataFrame, weight_col: str | None) -> float:
    if weight_col is None:
        return 1.0
    from pyspark.sql import functions as F

    found = df.agg(F.max(_quoted(weight_col).cast("double"))).collect()[0][0]
    return float(found)


def _keyed_rows(
    df: DataFrame,
    label_col: str,
    columns: Sequence[str],
    pos_label: Any,
    weight_col: str | None,
    row_id: str | None,
) -> DataFrame:
    """The rows of non-zero weight as (_key, _y, _w, _s0, ..., _sK-1): _key names the row
    (see the module docstring), _y is the label, _w the weight (1.0 without weights)."""
    from pyspark.sql import functions as F

    weight = F.lit(1.0) if weight_col is None else _quoted(weight_col).cast("double")
    values = [
        is_positive(df, label_col, pos_label).alias("_y"),
        weight.alias("_w"),
        *[_quoted(c).cast("double").alias(f"_s{k}") for k, c in enumerate(columns)],
    ]
    if row_id is not None:
        key = F.xxhash64(_quoted(row_id)).alias("_key")
        return df.select(key, *values).where(F.col("_w") > 0.0)
    hashable = [c for c, kind in df.dtypes if "map<" not in kind and "variant" not in kind]
    content = F.xxhash64(*[_quoted(c) for c in hashable]).alias("_row")
    rows = df.select(content, *values).where(F.col("_w") > 0.0)
    # rows equal in every column are interchangeable: number them 0..c-1, whatever their order
    kept = ["_row", "_y", "_w", *[f"_s{k}" for k in range(len(columns))]]
    equal = rows.groupBy(*kept).count()
    copy = F.explode(F.sequence(F.lit(0).cast("long"), F.col("count") - F.lit(1)))
    numbered = equal.select(*kept, copy.alias("_copy"))
    return numbered.select(F.xxhash64("_row", "_copy").alias("_key"), *kept[1:])


def _resampled_groups(
    df: DataFrame,
    label_col: str,
    columns: Sequence[str],
    pos_label: Any,
    weight_col: str | None,
    n_boot: int,
    seed: int,
    row_id: str | None,
) -> DataFrame:
    """The resampling pass: (_k model, _b resample, _score, positive, negative), the weight of
    the positives and of the negatives scoring _score in model _k, resample _b."""
    from pyspark.sql import functions as F

    largest = _largest_weight(df, weight_col)
    exponent = math.frexp(largest)[1] if largest > 0.0 else 0  # largest < 2**exponent
    rows = _keyed_rows(df, label_col, columns, pos_label, weight_col, row_id)
    resample = F.explode(F.sequence(F.lit(0), F.lit(int(n_boot) - 1)))
    # the weight as an integer of up to 52 bits, in units of 2**(exponent - 52)
    units = F.rint(_times_two_to(F.col("_w"), 52 - exponent)).cast("long")
    drawn = rows.select(
        "_key", "_y", *[f"_s{k}" for k in range(len(columns))], units.alias("_u"),
        resample.alias("_b"),
    )  # fmt: skip
    hashed = F.xxhash64(F.col("_key"), F.col("_b"), F.lit(_signed64(seed)).cast("long"))
    uniform = F.shiftrightunsigned(hashed, 11).cast("double") * F.lit(math.ldexp(1.0, -53))
    counted = drawn.select(
        "_y", "_b", *[f"_s{k}" for k in range(len(columns))], "_u",
        _multiplicity(uniform).alias("_m"),
    ).where(F.col("_m") > 0)  # fmt: skip
    high = F.shiftright(F.col("_u"), _HALF) * F.col("_m")
    low = F.col("_u").bitwiseAND(F.lit((1 << _HALF) - 1)) * F.col("_m")
    zero = F.lit(0).cast("long")
    per_model = F.inline(
        F.array(*[
            F.struct(F.lit(k).alias("_k"), F.col(f"_s{k}").alias("_score"))
            for k in range(len(columns))
        ])
    )  # fmt: skip
    emitted = counted.select(
        "_b",
        per_model,
        F.when(F.col("_y"), high).otherwise(zero).alias("_ph"),
        F.when(F.col("_y"), low).otherwise(zero).alias("_pl"),
        F.when(F.col("_y"), zero).otherwise(high).alias("_nh"),
        F.when(F.col("_y"), zero).otherwise(low).alias("_nl"),
    )
    summed = emitted.groupBy("_k", "_b", "_score").agg(
        *[F.sum(c).alias(c) for c in ("_ph", "_pl", "_nh", "_nl")]
    )

    # exact integer sums, turned into weights the same way whatever the order they were added in
    def weight(high_sum: str, low_sum: str) -> Column:
        joined = F.col(high_sum).cast("double") * F.lit(float(1 << _HALF))
        return _times_two_to(joined + F.col(low_sum).cast("double"), exponent - 52)

    return summed.select(
        F.col("_k").cast("int").alias("_k"),
        F.col("_b").cast("int").alias("_b"),
        "_score",
        weight("_ph", "_pl").alias("positive"),
        weight("_nh", "_nl").alias("negative"),
    )


def _distributions(
    grouped: DataFrame, probabilities: Sequence[bool], threshold: float, n_boot: int
) -> list[dict[str, FloatArray]]:
    """Collect the grouped table and read every metric of every (model, resample) from it.

    The driver holds the table (about 40 bytes a cell), then per cell its score, two weights,
    its (model, resample) index and its place in their order: about 40 bytes a cell."""
    table = grouped.toArrow()
    cell = np.asarray(table.column("_k").to_numpy(), dtype=np.int64) * n_boot
    cell += np.asarray(table.column("_b").to_numpy(), dtype=np.int64)
    score = _floats(table.column("_score"))
    positive = _floats(table.column("positive"))
    negative = _floats(table.column("negative"))
    del table
    order = np.argsort(cell, kind="stable")
    bounds = np.zeros(len(probabilities) * n_boot + 1, dtype=np.int64)
    np.cumsum(np.bincount(cell, minlength=bounds.size - 1), out=bounds[1:])
    del cell
    out: list[dict[str, FloatArray]] = []
    for k, kind in enumerate(probabilities):
        values: dict[str, FloatArray] = {}
        for b in range(n_boot):
            at = order[bounds[k * n_boot + b] : bounds[k * n_boot + b + 1]]
            counts = counts_from_groups(score[at], positive[at], negative[at], weighted=True)
            for name, value in kernel_metrics(counts, threshold, kind).items():
                values.setdefault(name, np.full(n_boot, np.nan))[b] = value
        out.append(values)
    return out


def _floats(column: Any) -> FloatArray:
    return np.asarray(column.to_numpy(), dtype=np.float64)

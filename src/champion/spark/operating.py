"""Matched operating points on Spark (``compare --operating-point CRITERION --engine spark``):
each model's threshold chosen from its per-distinct-score table, then one grouping pass that
counts the rows of each cell (label x every model's prediction at its own threshold, at most
2^(K+1) cells for K models), and the numbers ``champion.evaluation.matched_points`` gives on
the rows themselves, from those cells (``champion.evaluation.operating_cells``).

Above the driver's limit of distinct scores a model's table is reduced on the cluster and the
driver keeps a kernel exact at its kept thresholds, the best by Youden's J and by F1 among them
(champion.spark.reduced): ``youden`` and ``max_f1`` are then chosen exactly; a cost or a target
precision or recall could fall between kept thresholds, so those are refused with what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from champion.errors import DataError
from champion.evaluation.criteria import Criterion, parse_criterion
from champion.evaluation.inputs import confidence_level
from champion.evaluation.operating_cells import chosen_points, matched_points_from_cells
from champion.evaluation.operating_results import MatchedPoints
from champion.spark.aggregate import is_positive, score_table
from champion.spark.reduced import DRIVER_SCORES
from champion.spark.session import require_pyspark

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

#: criteria whose best threshold the reduced kernel keeps (see the module docstring)
EXACT_WHEN_REDUCED = ("youden", "max_f1")


def matched_frame(
    df: DataFrame,
    label_col: str,
    score_cols: Mapping[str, str],
    criterion: Criterion | str,
    *,
    baseline: str | None = None,
    pos_label: Any = 1,
    confidence: float = 0.95,
    max_driver_scores: int = DRIVER_SCORES,
) -> MatchedPoints:
    """Each model whose scores are a column of df (score_cols: model name -> column) at the
    threshold criterion chooses for it, compared with baseline (default: the first), on
    unweighted rows, chosen and reported on the same rows (optimistic; see
    champion.evaluation.operating). DataError for bad input or a criterion the reduced kernel
    cannot choose exactly."""
    require_pyspark()
    from pyspark.sql import functions as F

    chosen_criterion = parse_criterion(criterion) if isinstance(criterion, str) else criterion
    level = confidence_level(confidence)
    tables = {
        name: score_table(
            df, label_col, column, pos_label, confidence=level,
            max_driver_scores=max_driver_scores,
        )
        for name, column in score_cols.items()
    }  # fmt: skip
    for table in tables.values():
        if table.sums is not None:
            table.sums.release()  # the kernel is all this needs of a reduced table
    for name, table in tables.items():
        if table.sums is not None and chosen_criterion.name not in EXACT_WHEN_REDUCED:
            raise DataError(
                f"--operating-point {chosen_criterion.text} on Spark needs every distinct score "
                f"of each model on the driver, and {name} has {table.distinct:,} (the limit is "
                f"{max_driver_scores:,}); youden and max_f1 are exact at any size, or round the "
                "scores, or choose a --threshold."
            )
    chosen = chosen_points({name: t.counts for name, t in tables.items()}, chosen_criterion)
    # each model with a threshold predicts in a column of its own: p0, p1, ...
    thresholds = {name: p.threshold for name, p in chosen.items() if p.threshold is not None}
    flags = {name: f"p{i}" for i, name in enumerate(thresholds)}
    key = ["y", *flags.values()]
    columns = [is_positive(df, label_col, pos_label).alias("y")] + [
        (F.col(score_cols[name]) >= F.lit(float(cut))).alias(flags[name])
        for name, cut in thresholds.items()
    ]
    grouped = df.select(*columns).groupBy(*key).count().collect()
    keys = np.array([[bool(row[c]) for c in key] for row in grouped])
    rows = np.array([float(row["count"]) for row in grouped])
    predicted = {name: keys[:, i + 1] for i, name in enumerate(thresholds)}
    return matched_points_from_cells(
        keys[:, 0], predicted, rows, chosen, chosen_criterion, baseline=baseline, confidence=level
    )

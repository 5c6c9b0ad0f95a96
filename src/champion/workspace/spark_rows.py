"""The rows where two models' Spark scores predict different classes, found on the cluster.

A Spark test set's rows never come to this process whole: the cluster counts the agreement
table (who is right where: the table McNemar's test reads) in one pass, and returns only the
disagreeing rows asked for, the largest score differences first (``orderBy`` and ``limit``, a
top-k on each partition), with every column of the test set. Ties in the difference keep the
order of the row ids, as the in-memory engine keeps row order (a derived row id follows the
files' order and each row's position in its file).

This module drives Spark through the DataFrame and Column objects it is handed and SQL
expressions on its own column names; only champion.spark imports pyspark.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from champion.evaluation import Agreement
from champion.spark.aggregate import is_positive
from champion.spark.rows import ROW_ID, to_pandas
from champion.workspace.analyses import Disagreements

if TYPE_CHECKING:
    from champion.workspace.spark_data import SparkData
    from champion.workspace.spark_scores import SparkScored

#: the two models' scores beside the test set's columns (names no test set is expected to use)
SCORES = ("_champion_score_0", "_champion_score_1")
BASE, CHALLENGER = "baseline", "challenger"  # the neutral names of a kept table
_RIGHT = ("_champion_right_0", "_champion_right_1")
_GAP = "_champion_gap"


def scored_rows(session: Any, data: SparkData, scored: Sequence[SparkScored]) -> Any:
    """A Spark DataFrame: every column of the test set (and ROW_ID) with each model's score
    as SCORES[i], joined on the row id."""
    frame = data.rows.frame
    for name, model in zip(SCORES, scored, strict=False):
        frame = frame.join(model.frame(session).withColumnRenamed("score", name), on=ROW_ID)
    return frame


def disagreeing_rows(
    session: Any,
    data: SparkData,
    scored: tuple[SparkScored, SparkScored],
    threshold: float,
    limit: int | None,
) -> Disagreements:
    """Where the two models (baseline, challenger) predict different classes at threshold
    (score >= threshold is positive): the agreement table over every row, the number of
    disagreeing rows, and the first limit of them (None: every one) by descending absolute
    score difference, named BASE and CHALLENGER (see named_rows)."""
    frame = scored_rows(session, data, scored)
    positive = is_positive(frame, data.target, data.pos_label)
    cut = float(threshold)
    for right, score in zip(_RIGHT, SCORES, strict=True):
        frame = frame.withColumn(right, (frame[score] >= cut) == positive)
    base, other = _RIGHT
    counted = frame.selectExpr(
        f"count_if({base} AND {other}) AS both_correct",
        f"count_if({base} AND NOT {other}) AS baseline_only",
        f"count_if(NOT {base} AND {other}) AS challenger_only",
        f"count_if(NOT {base} AND NOT {other}) AS both_wrong",
    ).collect()[0]
    agreement = Agreement(**{name: int(counted[name] or 0) for name in counted.asDict()})
    differ = frame.filter(f"{base} <> {other}").selectExpr(
        "*", f"abs({SCORES[1]} - {SCORES[0]}) AS {_GAP}"
    )
    ordered = differ.orderBy(differ[_GAP].desc(), differ[ROW_ID].asc())
    if limit is not None:
        ordered = ordered.limit(int(limit))
    rows = to_pandas(ordered.drop(*_RIGHT))  # without what Spark Connect attaches
    # the order again on this side: a collected sort keeps it, but nothing below relies on that
    rows = rows.sort_values([_GAP, ROW_ID], ascending=[False, True], kind="stable")
    columns = [c for c in data.rows.columns if c != data.target]
    rows = rows[[ROW_ID, *columns, data.target, *SCORES]].rename(columns={ROW_ID: "row"})
    return Disagreements(
        BASE, CHALLENGER, cut, agreement, rows.reset_index(drop=True), agreement.disagreeing
    )


def named_rows(found: Disagreements, baseline: str, challenger: str) -> Disagreements:
    """A kept table with the models named: the score columns "score <baseline>" and "score
    <challenger>", as the in-memory engine names them."""
    renamed = {SCORES[0]: f"score {baseline}", SCORES[1]: f"score {challenger}"}
    rows = found.rows.rename(columns=renamed)
    return dataclasses.replace(found, baseline=baseline, challenger=challenger, rows=rows)

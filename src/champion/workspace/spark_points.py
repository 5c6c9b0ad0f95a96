"""Matched operating points of Spark-scored versions (``compare --engine spark
--operating-point`` and the dashboard's Threshold page): computed on the cluster once
(champion.spark.operating) and kept in the results store for every later run and worker."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from champion.errors import DataError
from champion.evaluation.criteria import Criterion
from champion.evaluation.operating_results import MatchedPoints
from champion.spark.operating import matched_frame
from champion.workspace.keys import Statistics
from champion.workspace.results import content_key
from champion.workspace.spark_data import SparkData
from champion.workspace.spark_scores import SparkScored

if TYPE_CHECKING:
    from champion.workspace.spark import SparkWorkspace

KIND = "spark-operating"


def points_digest(
    scored: Mapping[str, SparkScored],
    baseline: str,
    data: SparkData,
    criterion: Criterion,
    stats: Statistics,
) -> str:
    """The key of the models' (label -> scores) matched points against the one labelled
    baseline under criterion."""
    parts = [(label, s.path, s.kind) for label, s in scored.items()]
    return content_key(
        KIND, data.fingerprint, data.target, repr(data.pos_label), parts, baseline,
        criterion.text, stats.confidence,
    )  # fmt: skip


def operating_points(
    workspace: SparkWorkspace,
    scored: Mapping[str, SparkScored],
    baseline: str,
    data: SparkData,
    criterion: Criterion,
    stats: Statistics,
) -> MatchedPoints:
    """Each model of scored (label -> scores) at the threshold criterion chooses for it,
    against the one labelled baseline, chosen and reported on every row (unweighted rows:
    DataError for a weight column)."""
    if data.weight is not None:
        raise DataError(
            "matched operating points on Spark take unweighted rows; leave out the weight "
            "column or use the in-memory engine."
        )
    order = [baseline, *(label for label in scored if label != baseline)]

    def compute() -> MatchedPoints:
        joined = workspace.joined(data, [scored[label] for label in order]).cache()
        try:
            return matched_frame(
                joined,
                data.target,
                {label: f"score_{i}" for i, label in enumerate(order)},
                criterion,
                baseline=baseline,
                pos_label=data.pos_label,
                confidence=stats.confidence,
            )
        finally:
            joined.unpersist()

    if workspace.results is None:
        return compute()
    found: MatchedPoints = workspace.results.once(
        KIND,
        points_digest(scored, baseline, data, criterion, stats),
        compute,
        subjects=tuple(s.key.uri for s in scored.values()),
        dataset=data.fingerprint,
        total=data.rows.n,
    )
    return found


def find_operating_points(
    workspace: SparkWorkspace,
    scored: Mapping[str, SparkScored],
    baseline: str,
    data: SparkData,
    criterion: Criterion,
    stats: Statistics,
) -> MatchedPoints | None:
    """The points ``operating_points`` keeps in the results store, or None; never computes."""
    if workspace.results is None:
        return None
    digest = points_digest(scored, baseline, data, criterion, stats)
    found: MatchedPoints | None = workspace.results.get(KIND, digest)
    return found

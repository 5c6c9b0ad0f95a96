"""The composer on Spark: resolve models, score each once per test set on the cluster (scores
kept as Parquet), and evaluate and compare them exactly, for ``--engine spark``.

The rows never reach this process: it holds the registry's answers, each model's grouped table
and the sums of the paired tests (see champion.spark.paired).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from champion.errors import DataError
from champion.evaluation import Comparison, EvaluationReport
from champion.models.refs import ResolvedModel
from champion.models.registry import RegistryClient
from champion.spark import compare_frame
from champion.spark.aggregate import label_balance, typed_label
from champion.spark.rows import ROW_ID, SparkTestSet, read_test_set
from champion.spark.scoring import ParquetScores
from champion.workspace.keys import Statistics
from champion.workspace.results import ResultStore, content_key
from champion.workspace.scores import ScoringPolicy
from champion.workspace.spark_scores import SparkScored, SparkScorer
from champion.workspace.workspace import choose_baseline


@dataclass(frozen=True)
class SparkData:
    """A test set as the Spark engine reads it: its rows, the target column and the positive
    label (typed as the column), the weight column if any, and the feature columns given
    (None: every column but the target, the weight and the row id)."""

    rows: SparkTestSet
    target: str
    pos_label: Any
    weight: str | None = None
    features: tuple[str, ...] | None = None

    @property
    def fingerprint(self) -> str:
        return self.rows.fingerprint

    def summary(self) -> dict[str, Any]:
        """What --format json and the report say of the test set."""
        return {
            "source": self.rows.source,
            "rows": self.rows.n,
            "target": self.target,
            "pos_label": self.pos_label,
            "fingerprint": self.rows.fingerprint,
            "engine": "spark",
        }

    def class_balance(self) -> tuple[tuple[Any, int], ...]:
        """(label, rows) of each label, most frequent first, counted on the cluster."""
        return label_balance(self.rows.frame, self.target)

    def excluded(self) -> tuple[str, ...]:
        """Columns that are not the models' features: the target, the weight and, when the
        features are named, every other column."""
        fixed = tuple(c for c in (self.target, self.weight) if c is not None)
        if self.features is None:
            return fixed
        return fixed + tuple(c for c in self.rows.columns if c not in self.features + fixed)


class SparkWorkspace:
    """The registry, a Spark session (pyspark's SparkSession: this layer does not import
    pyspark) and the Parquet score store; see the module docstring."""

    def __init__(
        self,
        registry: RegistryClient,
        session: Any,
        store: ParquetScores,
        policy: ScoringPolicy | None = None,
        results: ResultStore | None = None,
    ) -> None:
        self.registry = registry
        self.session = session
        self.scorer = SparkScorer(registry, store, policy or ScoringPolicy())
        self.results = results

    def test_set(
        self,
        source: str,
        target: str | None,
        pos_label: str,
        *,
        row_id: str | None = None,
        weight: str | None = None,
        features: Sequence[str] | None = None,
    ) -> SparkData:
        """Read source (Parquet or Delta, a path or a URI) with Spark and check the target."""
        if not target:
            raise DataError("--engine spark needs --target COL, the column of the true labels.")
        rows = read_test_set(self.session, source, row_id=row_id)
        for column, what in ((target, "target"), (weight, "weight")):
            if column is not None and column not in rows.columns:
                shown = ", ".join(rows.columns[:20])
                raise DataError(f"{what} column {column!r} is not in {source} (columns: {shown}).")
        label = typed_label(rows.frame, target, pos_label)
        chosen = None if features is None else tuple(features)
        return SparkData(rows, target, label, weight, chosen)

    def resolve(self, uri: str) -> ResolvedModel:
        return self.registry.resolve(uri)

    def aliases(self, name: str) -> Mapping[str, str]:
        """The model's aliases (alias -> version), read now: aliases move."""
        return self.registry.aliases(name)

    def score_all(self, uris: Sequence[str], data: SparkData) -> dict[str, SparkScored]:
        """Each model's scores on data, keyed by the URI as given: read from the store, else
        scored once on the cluster."""
        if len(set(uris)) != len(uris):
            raise DataError("each model URI may be given only once.")
        return {
            uri: self.scorer.score(
                self.resolve(uri),
                data.rows,
                pos_label=data.pos_label,
                exclude=data.excluded(),
            )
            for uri in uris
        }

    def compare(
        self,
        uris: Sequence[str],
        data: SparkData,
        stats: Statistics,
        baseline: str | None = None,
    ) -> tuple[Comparison, dict[str, SparkScored]]:
        """Score (or read) the models and compare each with the baseline (a URI, @ALIAS;
        default: the @champion version if among them, else the first), named by their URIs."""
        if not uris:
            raise DataError("give at least one model URI to compare.")
        refuse_bootstrap(stats)
        scored = self.score_all(uris, data)
        keys = {uri: s.key for uri, s in scored.items()}
        chosen = choose_baseline(keys, baseline, self.resolve, self.aliases)
        ordered = {chosen: scored[chosen], **{u: s for u, s in scored.items() if u != chosen}}
        return self.comparison(ordered, chosen, data, stats), scored

    def comparison(
        self,
        scored: Mapping[str, SparkScored],
        baseline: str,
        data: SparkData,
        stats: Statistics,
    ) -> Comparison:
        """Every model of scored (label -> scores) against the one labelled baseline, computed
        on the cluster once: kept in the results store for every later run and worker."""
        refuse_bootstrap(stats)

        def compute() -> Comparison:
            return self._compare(scored, baseline, data, stats)

        if self.results is None:
            return compute()
        parts = [(label, s.path, s.kind) for label, s in scored.items()]
        digest = content_key(
            "spark-comparison", data.fingerprint, data.target, repr(data.pos_label),
            data.weight, parts, baseline, stats.threshold, stats.confidence,
        )  # fmt: skip
        found: Comparison = self.results.once(
            "spark-comparison",
            digest,
            compute,
            subjects=tuple(s.key.uri for s in scored.values()),
            dataset=data.fingerprint,
            total=data.rows.n,
        )
        return found

    def _compare(
        self,
        scored: Mapping[str, SparkScored],
        baseline: str,
        data: SparkData,
        stats: Statistics,
    ) -> Comparison:
        order = [baseline, *[label for label in scored if label != baseline]]
        joined = self.joined(data, [scored[label] for label in order]).cache()
        try:
            result = compare_frame(
                joined,
                data.target,
                {label: f"score_{i}" for i, label in enumerate(order)},
                baseline=baseline,
                pos_label=data.pos_label,
                weight_col=data.weight,
                threshold=stats.threshold,
                confidence=stats.confidence,
                labels_only={label for label in order if scored[label].kind == "label"},
            )
        finally:
            joined.unpersist()
        if result.baseline_report.n != data.rows.n:
            raise DataError(
                f"the stored scores cover {result.baseline_report.n} of the {data.rows.n} rows "
                f"of {data.rows.source}: clear the Spark score store and score again."
            )
        return result

    def evaluate(
        self, uri: str, data: SparkData, stats: Statistics
    ) -> tuple[EvaluationReport, SparkScored]:
        """One model scored (or read) and evaluated with intervals, named by its URI."""
        result, scored = self.compare([uri], data, stats, uri)
        return result.models[uri], scored[uri]

    def joined(self, data: SparkData, scored: Sequence[SparkScored]) -> Any:
        """A Spark DataFrame: the target (and weight) of every row with each model's score,
        score_0, score_1, ... in the order given, joined on the row id."""
        keep = [ROW_ID, *(c for c in (data.target, data.weight) if c is not None)]
        frame = data.rows.frame.select(*keep)
        for i, model in enumerate(scored):
            scores = model.frame(self.session).withColumnRenamed("score", f"score_{i}")
            frame = frame.join(scores, on=ROW_ID, how="inner")
        return frame


def refuse_bootstrap(stats: Statistics) -> None:
    """DataError for --ci bootstrap: the Spark engine's intervals are analytic."""
    if stats.ci == "bootstrap":
        raise DataError(
            "--engine spark gives analytic intervals (DeLong, Wilson, the delta method), "
            "exact at any size; use --ci auto or analytic, or the in-memory engine for "
            "bootstrap intervals."
        )


def scored_summary(scored: Mapping[str, SparkScored]) -> dict[str, dict[str, Any]]:
    """What --format json says of each scored model."""
    return {
        uri: {
            "name": s.resolved.name,
            "version": s.resolved.version,
            "model_id": s.resolved.model_id,
            "run_id": s.resolved.run_id,
            "kind": s.kind,
            "note": s.note,
            "from_cache": s.from_cache,
            "scores": s.path,
        }
        for uri, s in scored.items()
    }

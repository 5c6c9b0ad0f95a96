"""The composer on Spark: resolve models, score each once per test set on the cluster (scores
kept as Parquet), and evaluate and compare them exactly, for ``--engine spark``.

The rows never reach this process: it holds the registry's answers, each model's grouped table
and the sums of the paired tests (see champion.spark.paired).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from champion.errors import DataError
from champion.evaluation import (
    DEFAULT_RULES,
    Comparison,
    EvaluationReport,
    GateCheck,
    GateRule,
    evaluate_gates,
)
from champion.evaluation.gates import Adjust
from champion.models.refs import ResolvedModel
from champion.models.registry import RegistryClient
from champion.spark import compare_frame
from champion.spark.aggregate import typed_label
from champion.spark.rows import ROW_ID, read_test_set
from champion.spark.scoring import ParquetScores
from champion.workspace.analyses import Disagreements
from champion.workspace.keys import ModelKey, Statistics
from champion.workspace.results import ResultStore, content_key
from champion.workspace.scores import ScoringPolicy
from champion.workspace.spark_data import SparkData as SparkData  # where it lived first
from champion.workspace.spark_kept import Kept, comparison_digest
from champion.workspace.spark_rows import disagreeing_rows
from champion.workspace.spark_scores import SparkScored, SparkScorer, _scored
from champion.workspace.workspace import choose_baseline

NEUTRAL = "model"  # the name a stored report is kept under; callers name it on the way out


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
        self.kept = Kept(results)

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

    def cached(self, uri: str, data: SparkData) -> SparkScored | None:
        """The model's scores on data if the store has them (nothing is scored)."""
        resolved = self.resolve(uri)
        return self._stored_scores(resolved, data)

    def _stored_scores(self, resolved: ResolvedModel, data: SparkData) -> SparkScored | None:
        store, spark = self.scorer.store, self.session
        path = store.path(data.fingerprint, self._scores_digest(resolved, data))
        if not store.exists(spark, path):
            return None
        return _scored(resolved, path, store.meta(spark, path), from_cache=True)

    def _scores_digest(self, resolved: ResolvedModel, data: SparkData) -> str:
        return self.scorer.digest(resolved, data.pos_label, "binary", data.excluded())

    def score(self, uri: str, data: SparkData) -> SparkScored:
        """One model's scores on data: read from the store, else scored on the cluster once
        however many processes ask at the same time (see Kept.scoring)."""
        resolved = self.resolve(uri)

        def run() -> SparkScored:
            return self.scorer.score(
                resolved, data.rows, pos_label=data.pos_label, exclude=data.excluded()
            )

        digest = content_key("spark-scoring", data.fingerprint, self._scores_digest(resolved, data))
        subject = ModelKey.of_resolved(resolved).uri
        return self.kept.scoring(
            digest, subject, data, lambda: self._stored_scores(resolved, data), run
        )

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
        found: Comparison = self.results.once(
            "spark-comparison",
            comparison_digest(scored, baseline, data, stats),
            compute,
            subjects=tuple(s.key.uri for s in scored.values()),
            dataset=data.fingerprint,
            total=data.rows.n,
        )
        return found

    def find_comparison(
        self,
        scored: Mapping[str, SparkScored],
        baseline: str,
        data: SparkData,
        stats: Statistics,
    ) -> Comparison | None:
        """The comparison ``comparison`` keeps in the results store, or None; never computes."""
        if self.results is None:
            return None
        digest = comparison_digest(scored, baseline, data, stats)
        found: Comparison | None = self.results.get("spark-comparison", digest)
        return found

    def report(
        self, scored: SparkScored, data: SparkData, label: str, stats: Statistics
    ) -> EvaluationReport:
        """The model's report on data at stats' threshold and confidence (read others with
        .at()), named label: computed on the cluster once and kept in the results store for
        every later run and worker (under a neutral name: every language shares it)."""

        def compute() -> EvaluationReport:
            return self._compare({NEUTRAL: scored}, NEUTRAL, data, stats).models[NEUTRAL]

        return self.kept.report(scored, data, label, stats, compute)

    def find_report(
        self, scored: SparkScored, data: SparkData, label: str, stats: Statistics
    ) -> EvaluationReport | None:
        """The report ``report`` keeps, named label, or None; never computes."""
        return self.kept.find_report(scored, data, label, stats)

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
                n_boot=stats.n_boot,  # weighted rows only: the Poisson bootstrap
                random_state=stats.seed,
                row_id=ROW_ID,
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

    def gate(
        self,
        champion: SparkScored,
        challenger: SparkScored,
        data: SparkData,
        stats: Statistics,
        rules: Sequence[GateRule] = DEFAULT_RULES,
        pair: Comparison | None = None,
        adjust: Adjust = "auto",
    ) -> GateCheck:
        """The gate's verdict on challenger against champion (versions of one model) on data,
        as ``Workspace.gate`` judges it; pair: their comparison (named by the versions' URIs,
        as ``comparison`` names it) when the caller has it, else computed (once)."""
        if champion.key.version is None or challenger.key.version is None:
            raise DataError("the promotion gate compares two versions of a registered model.")
        if champion.key == challenger.key:
            raise DataError(
                f"version {challenger.key.version} already holds the alias; there is nothing "
                "to gate."
            )
        base, other = champion.key.uri, challenger.key.uri
        found = pair or self.comparison({base: champion, other: challenger}, base, data, stats)
        deltas = {"challenger": found.comparisons[other].deltas}
        verdicts = evaluate_gates(deltas, rules, confidence=stats.confidence, adjust=adjust)
        return GateCheck(
            champion_version=champion.key.version,
            challenger_version=challenger.key.version,
            verdict=verdicts["challenger"],
            dataset_fingerprint=data.fingerprint,
            rows=data.rows.n,
            source=data.rows.source,
        )

    def disagreements(
        self,
        base: tuple[str, SparkScored],
        challenger: tuple[str, SparkScored],
        data: SparkData,
        threshold: float,
        limit: int | None,
    ) -> Disagreements:
        """Where two models (label, scores) predict different classes at threshold: the
        agreement table, the number of such rows, and the first limit of them (None: every
        one) by descending score difference with every column of the test set, found on the
        cluster; the first limit rows are kept in the results store once for every worker
        (see champion.workspace.spark_rows and spark_kept)."""
        labels, scored = (base[0], challenger[0]), (base[1], challenger[1])

        def compute() -> Disagreements:
            return disagreeing_rows(self.session, data, scored, threshold, limit)

        return self.kept.rows(labels, scored, data, threshold, limit, compute)

    def find_disagreements(
        self,
        base: tuple[str, SparkScored],
        challenger: tuple[str, SparkScored],
        data: SparkData,
        threshold: float,
        limit: int,
    ) -> Disagreements | None:
        """The table ``disagreements`` keeps for limit rows, or None; never computes."""
        labels, scored = (base[0], challenger[0]), (base[1], challenger[1])
        return self.kept.find_rows(labels, scored, data, threshold, limit)

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

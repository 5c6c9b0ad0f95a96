"""What the Spark composer keeps in the results store for every process and later run, besides
its comparisons: each version's report, the disagreeing rows of two versions, and the job
records of scoring (under the store's inter-process lock, so that one process scores a version
while the others wait and then read its scores).

Results are kept under neutral names and named on the way out, so the command line (models
named by URI) and the dashboard (named "version 3", in either language) share them. Keys are
made of the test set's fingerprint, the target and positive label, the stored scores' paths
(which name the model and the test set) and the statistics asked for.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from champion.evaluation import EvaluationReport
from champion.workspace.analyses import Disagreements
from champion.workspace.keys import Statistics
from champion.workspace.results import Memo, ResultStore, content_key, failure_message
from champion.workspace.spark_rows import named_rows

if TYPE_CHECKING:
    from champion.workspace.spark_data import SparkData
    from champion.workspace.spark_scores import SparkScored


class Kept:
    """Reports, disagreeing rows and scoring jobs in a results store (None: nothing is kept,
    everything is computed when asked)."""

    def __init__(self, results: ResultStore | None) -> None:
        self.results = results
        # reports under the callers' names, kept: what a report computes on first use (its
        # threshold sweep, gain, calibration) is then computed once, not on every request
        self._named: Memo[tuple[str, str], EvaluationReport] = Memo(64)

    def scoring(
        self,
        digest: str,
        subject: str,
        data: SparkData,
        stored: Callable[[], SparkScored | None],
        run: Callable[[], SparkScored],
    ) -> SparkScored:
        """stored() when the scores are there, else run() once however many processes ask at
        the same time: under the key's lock, the work recorded as a "spark-scoring" job about
        subject (a model's URI) that every process lists."""
        found = stored()
        if found is not None:
            return found
        if self.results is None:
            return run()
        results = self.results

        def record(state: str, error: str | None = None) -> None:
            results.record(
                digest, "spark-scoring", (subject,), state, 0, 0, error, data.fingerprint
            )

        with results.locked(digest):
            found = stored()  # scored meanwhile by another process
            if found is not None:
                return found
            record("running")
            try:
                scored = run()
            except Exception as err:  # every process then shows why; the next ask retries
                record("failed", failure_message(err))
                raise
            record("done")
            return scored

    def report(
        self,
        scored: SparkScored,
        data: SparkData,
        label: str,
        stats: Statistics,
        compute: Callable[[], EvaluationReport],
    ) -> EvaluationReport:
        """The report compute() gives (under any name), kept once, named label."""
        found = self.find_report(scored, data, label, stats)
        if found is not None:
            return found
        if self.results is None:
            return dataclasses.replace(compute(), name=label)
        digest = report_digest(scored, data, stats)
        kept: EvaluationReport = self.results.once(
            "spark-report",
            digest,
            compute,
            subjects=(scored.key.uri,),
            dataset=data.fingerprint,
            total=data.rows.n,
        )
        return self._name(digest, kept, label)

    def find_report(
        self, scored: SparkScored, data: SparkData, label: str, stats: Statistics
    ) -> EvaluationReport | None:
        """The kept report, named label, or None; never computes."""
        if self.results is None:
            return None
        digest = report_digest(scored, data, stats)
        known = self._named.get((digest, label))
        if known is not None:
            return known
        kept: EvaluationReport | None = self.results.get("spark-report", digest)
        return None if kept is None else self._name(digest, kept, label)

    def _name(self, digest: str, report: EvaluationReport, label: str) -> EvaluationReport:
        named = dataclasses.replace(report, name=label)
        self._named.put((digest, label), named)
        return named

    def rows(
        self,
        labels: tuple[str, str],
        scored: tuple[SparkScored, SparkScored],
        data: SparkData,
        threshold: float,
        limit: int | None,
        compute: Callable[[], Disagreements],
    ) -> Disagreements:
        """The disagreeing rows compute() finds (neutral names), named by labels (baseline,
        challenger); kept once when limit bounds them (every row is never kept)."""
        if self.results is None or limit is None:
            return named_rows(compute(), *labels)
        kept: Disagreements = self.results.once(
            "spark-disagreements",
            rows_digest(scored, data, threshold, limit),
            compute,
            subjects=tuple(s.key.uri for s in scored),
            dataset=data.fingerprint,
            total=data.rows.n,
        )
        return named_rows(kept, *labels)

    def find_rows(
        self,
        labels: tuple[str, str],
        scored: tuple[SparkScored, SparkScored],
        data: SparkData,
        threshold: float,
        limit: int,
    ) -> Disagreements | None:
        """The kept rows of ``rows``, named by labels, or None; never computes."""
        if self.results is None:
            return None
        digest = rows_digest(scored, data, threshold, limit)
        kept: Disagreements | None = self.results.get("spark-disagreements", digest)
        return None if kept is None else named_rows(kept, *labels)


def comparison_digest(
    scored: Mapping[str, SparkScored], baseline: str, data: SparkData, stats: Statistics
) -> str:
    """The key of a comparison of scored (label -> scores) with the one labelled baseline."""
    parts = [(label, s.path, s.kind) for label, s in scored.items()]
    return content_key(
        "spark-comparison", data.fingerprint, data.target, repr(data.pos_label),
        data.weight, parts, baseline, stats.threshold, stats.confidence, _resampling(data, stats),
    )  # fmt: skip


def report_digest(scored: SparkScored, data: SparkData, stats: Statistics) -> str:
    """The key of one model's report."""
    return content_key(
        "spark-report", data.fingerprint, data.target, repr(data.pos_label), data.weight,
        scored.path, scored.kind, stats.threshold, stats.confidence, _resampling(data, stats),
    )  # fmt: skip


def rows_digest(
    scored: tuple[SparkScored, SparkScored], data: SparkData, threshold: float, limit: int
) -> str:
    """The key of two models' first limit disagreeing rows at threshold."""
    return content_key(
        "spark-disagreements", data.fingerprint, data.target, repr(data.pos_label),
        [s.path for s in scored], float(threshold), limit,
    )  # fmt: skip


def _resampling(data: SparkData, stats: Statistics) -> tuple[int, int] | None:
    """What a result of weighted rows also depends on: the bootstrap's size and seed."""
    return None if data.weight is None else (stats.n_boot, stats.seed)

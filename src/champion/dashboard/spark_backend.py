"""The dashboard's backend for a test set read and scored by Spark (``champion serve --engine
spark``): the pages ask it what they ask DashboardBackend, and it answers from aggregates that
``SparkWorkspace`` computes on the cluster (each version's report, the paired comparisons, the
first disagreeing rows of two versions), never from the rows themselves.

Each process starts its own Spark session and reads the test set (one pass: the row ids and
the fingerprint) in its background thread when the app is created, never in a request. Scoring
a version, its report, every comparison and the disagreeing rows run in that thread too, while
the pages say so and the activity line lists the work. Results go to the results store beside
the score cache, computed once whichever worker asked first and read by every other (and by
``champion compare --engine spark`` on the same cache: the Parquet scores are kept where the
command line keeps them). Requests read stored results only; the one exception is the CSV of
every disagreeing row, gathered from Spark in the request and refused above SPARK_CSV_ROWS.

Binary test sets only, for now. Slices and matched operating points need the rows in memory:
their pages say so and what to use instead.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from champion.dashboard.backend import DashboardBackend, is_version
from champion.dashboard.config import DashboardConfig
from champion.dashboard.figure_cache import CURVE_KINDS, Figure, FigureCache, as_json, curve_part
from champion.dashboard.spark_pairs import relabelled, selection
from champion.dashboard.spark_setup import check_settings, open_spark
from champion.dashboard.views import Activity, Computing, Evaluated, Prepared, Reports
from champion.data import EvalDataset
from champion.errors import ChampionError
from champion.evaluation import Comparison, EvaluationReport, GateCheck
from champion.evaluation.criteria import Criterion
from champion.evaluation.operating_results import MatchedPoints
from champion.models import MlflowRegistry
from champion.presentation.i18n import LANGUAGES, t
from champion.reports.record import DatasetInfo
from champion.workspace import (
    DEFAULT_THRESHOLD,
    Disagreements,
    ScoredModel,
    ScoringPolicy,
    Statistics,
    Workspace,
)
from champion.workspace.analyses import MAX_ROWS
from champion.workspace.results import content_key
from champion.workspace.spark_points import find_operating_points, operating_points

if TYPE_CHECKING:
    from champion.workspace.spark import SparkWorkspace
    from champion.workspace.spark_data import SparkData
    from champion.workspace.spark_scores import SparkScored

log = logging.getLogger("champion.dashboard")
#: the most disagreeing rows the CSV download gathers from Spark (in the request, to the driver)
SPARK_CSV_ROWS = 100_000
RETRY_AFTER = 60.0  # seconds before a failed start (no session, a bad test set) is tried again
#: job records of the results store -> the activity line's kinds (see shell.activity_text)
JOB_KINDS = {
    "spark-scoring": "spark-scoring",
    "spark-report": "spark-report",
    "spark-comparison": "pair",
    "spark-disagreements": "spark-rows",
    "spark-operating": "operating",
}
#: this process's queued work -> the activity line's kinds
QUEUED_KINDS = {
    "start": "spark-start",
    "scoring": "spark-scoring",
    "pair": "pair",
    "rows": "spark-rows",
    "operating": "operating",
}


class SparkDashboardBackend(DashboardBackend):
    """The registry, a Spark session (started in the background), the test set as Spark reads
    it and a background thread for one dashboard process; see the module docstring."""

    def __init__(self, config: DashboardConfig, workspace: Workspace | None = None) -> None:
        # DashboardBackend.__init__ is not called: it loads the test set into memory
        check_settings(config)
        self.config = config
        self.policy = ScoringPolicy(
            config.trust_types, config.allow_pickle, config.timeout, config.allowed_sources
        )
        # the registry's reads (versions, aliases, the model picker's TTL) go through the
        # in-memory composer, which holds no test set and no scores here
        registry = MlflowRegistry(config.tracking_uri)
        self.workspace = workspace or Workspace(registry, None, self.policy)
        self.stats = Statistics(n_boot=config.n_boot)
        self.figures = FigureCache()
        self._lock = threading.Lock()
        self._model = {}
        self._queued = set()
        self._failed = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="champion-spark")
        self._spark: SparkWorkspace | None = None
        self._data: SparkData | None = None
        self._balance: tuple[tuple[Any, int], ...] = ()
        self._broken: tuple[float, str] | None = None  # when the start failed, and why
        self._versions: dict[str, SparkScored] = {}  # scored, their reports kept

    @property
    def dataset(self) -> EvalDataset:
        """Not kept: the rows stay on the cluster (pages ask ``config.spark`` first)."""
        raise ChampionError("a Spark-scored test set is not held in memory by the dashboard.")

    @dataset.setter
    def dataset(self, value: EvalDataset) -> None:
        raise ChampionError("a Spark-scored test set is not held in memory by the dashboard.")

    # Spark: started once per process, in the background thread ------------------------------

    def _start(self) -> tuple[SparkWorkspace, SparkData]:
        """The Spark composer and the test set, started by the first background work; a
        failure is kept for RETRY_AFTER seconds (every page says it) before trying again."""
        if self._spark is not None and self._data is not None:
            return self._spark, self._data
        broken = self._broken
        if broken is not None and time.monotonic() - broken[0] < RETRY_AFTER:
            raise ChampionError(broken[1])
        try:
            spark, data, balance = open_spark(self.config, self.workspace.registry, self.policy)
        except ChampionError as err:
            self._broken = (time.monotonic(), str(err))
            raise
        self._balance, self._data, self._spark = balance, data, spark
        return spark, data

    def _state(self) -> tuple[SparkWorkspace, SparkData]:
        """The Spark composer and the test set in a request (they exist once a version is
        ready)."""
        spark, data = self._spark, self._data
        if spark is None or data is None:
            raise Computing(t("ui.job_spark_start", self.config.lang))
        return spark, data

    def warm_all(self) -> None:
        """Start Spark and read the test set in the background now, then get the reports and
        curve figures of every version that already has scores in the store ready."""

        def run() -> None:
            spark, data = self._start()
            for ref in self.model(fresh=True).versions:
                found = spark.cached(self.key(ref.version).uri, data)
                if found is not None:
                    self._prepare(ref.version, found)

        self._submit(("start",), run)

    # scores and reports -----------------------------------------------------------------------

    def scored(self, version: str) -> ScoredModel | None:
        """Not kept: a version's scores stay on the cluster (see ``version_scores``)."""
        raise ChampionError("a Spark-scored version's scores are not held in memory.")

    def version_scores(self, version: str) -> SparkScored | None:
        """The version's scores (its report kept) once ready in this process, else None with
        the work queued in the background (read from the store, else scored on the cluster)."""
        self.key(version)  # a version number, or a ChampionError
        with self._lock:
            known = self._versions.get(version)
        if known is None:
            self._submit(("scoring", version), lambda: self._score(version))
        return known

    def _score(self, version: str) -> None:
        spark, data = self._start()
        self._prepare(version, spark.score(self.key(version).uri, data))

    def _prepare(self, version: str, scored: SparkScored) -> None:
        """The version's report (computed once, kept) and its curve figures in every
        language, then the version is ready."""
        spark, data = self._start()
        for lang in LANGUAGES:
            report = spark.report(scored, data, self.key(version).label(lang), self.stats)
            for kind in CURVE_KINDS:
                self._figure(kind, version, scored, report, lang)
        with self._lock:
            self._versions[version] = scored

    def reports(self, versions: Sequence[str], lang: str = "en") -> Reports:
        """Reports of the selected versions that are ready, in order, named "version 3" in
        lang: exact at any threshold (``report.at``); the rest pending."""
        ready: dict[str, EvaluationReport] = {}
        for version in versions:
            report = self._report(version, lang)
            if report is not None:
                ready[version] = report
        return Reports(ready, tuple(v for v in versions if v not in ready))

    def _report(self, version: str, lang: str) -> EvaluationReport | None:
        found = self.version_scores(version)
        if found is None:
            return None
        spark, data = self._state()
        report = spark.find_report(found, data, self.key(version).label(lang), self.stats)
        if report is None:  # no longer kept (the cache was pruned): prepared again
            with self._lock:
                self._versions.pop(version, None)
            self._submit(("scoring", version), lambda: self._score(version))
        return report

    def is_ready(self, version: str) -> bool:
        """Whether the version is scored on Spark and its report kept (else that starts)."""
        return self.version_scores(version) is not None

    def _known(self, versions: Sequence[str]) -> dict[str, SparkScored]:
        """The ready versions' scores by URI, in order (a version once)."""
        found = {}
        for version in versions:
            scored = self.version_scores(version)
            if scored is None:
                raise ChampionError(f"version {version} has no scores yet; try again shortly.")
            found[self.key(version).uri] = scored
        return found

    def labelled_scores(self, versions: Sequence[str], lang: str) -> dict[str, SparkScored]:
        """The ready versions' scores under their names in lang ("version 3"), in order."""
        found = self._known(versions)
        return {self.key(v).label(lang): found[self.key(v).uri] for v in versions}

    def dataset_info(self) -> DatasetInfo:
        """The test set as a decision record describes it (its label balance counted once)."""
        _, data = self._state()
        return DatasetInfo(data.summary(), data.pos_label, self._balance)

    # comparisons, the gate --------------------------------------------------------------------

    def pair(self, baseline: str, challenger: str, threshold: float) -> Comparison | None:
        """challenger against baseline (the baseline alone when they are one version), named
        by the versions' URIs, if kept; else computed in the background (None)."""
        scored = self._known([baseline, challenger])
        spark, data = self._state()
        stats = dataclasses.replace(self.stats, threshold=float(threshold))
        base = self.key(baseline).uri
        found = spark.find_comparison(scored, base, data, stats)
        if found is None:

            def compute() -> None:
                spark.comparison(scored, base, data, stats)

            self._submit(("pair", baseline, challenger, str(stats.threshold)), compute)
        return found

    def evaluate(self, versions: Sequence[str], threshold: float, lang: str = "en") -> Evaluated:
        """Compare the ready versions, the champion (if among them) first; models named
        "version 3" in lang; assembled from the pairs, each computed once on the cluster."""
        ordered, pending = self.ready_and_baseline(versions)
        if not ordered:
            return Evaluated(None, (), pending, None)
        baseline, challengers = ordered[0], ordered[1:]
        pairs = {c: self.pair(baseline, c, threshold) for c in challengers or [baseline]}
        computing = tuple(c for c, found in pairs.items() if found is None)
        kept = [found for found in pairs.values() if found is not None]
        if computing:
            return Evaluated(None, tuple(ordered), pending, baseline, computing)
        names = {self.key(v).uri: self.key(v).label(lang) for v in ordered}
        comparison = selection([relabelled(found, names) for found in kept])
        return Evaluated(comparison, tuple(ordered), pending, baseline)

    def gate(self, champion: str | None, challenger: str) -> GateCheck | None:
        """The default gate of challenger against champion on the test set at the default
        threshold, from their paired comparison on the cluster (as Workspace.gate judges it);
        None without a champion to compare with."""
        if champion is None or champion == challenger:
            return None
        for version in (champion, challenger):
            if self.version_scores(version) is None:
                raise ChampionError(
                    f"version {version} is being scored on the test set; the gate needs its "
                    "scores: try again when the scoring shown at the top has finished."
                )
        pair = self.pair(champion, challenger, DEFAULT_THRESHOLD)
        if pair is None:
            raise ChampionError(
                f"the gate's paired comparison of version {challenger} with version {champion} "
                "is computing in the background (on Spark); try again in a moment."
            )
        base, other = self._known([champion, challenger]).values()
        spark, data = self._state()
        stats = dataclasses.replace(self.stats, threshold=DEFAULT_THRESHOLD)
        return spark.gate(base, other, data, stats, pair=pair)

    def matched_points(
        self, versions: Sequence[str], criterion: Criterion, holdout: float | None, lang: str
    ) -> Prepared[MatchedPoints]:
        """The ready versions (the champion first) at their own thresholds under criterion, on
        every row (no holdout on Spark), if kept; else computed in the background."""
        if holdout is not None:
            raise ChampionError(t("ui.spark_no_holdout", lang))
        ordered, pending = self.ready_and_baseline(versions)
        if not ordered:
            return Prepared(None, pending)
        scored = self.labelled_scores(ordered, lang)
        spark, data = self._state()
        args = (spark, scored, next(iter(scored)), data, criterion, self.stats)
        found = find_operating_points(*args)
        if found is None:

            def compute() -> None:
                operating_points(*args)

            self._submit(("operating", ",".join(ordered), criterion.text, lang), compute)
            return Prepared(None, pending, tuple(ordered[1:]) or (ordered[0],), ordered[0])
        return Prepared(found, pending)

    # disagreements ----------------------------------------------------------------------------

    def disagreements(
        self,
        baseline: str,
        challenger: str,
        threshold: float,
        lang: str = "en",
        every: bool = False,
    ) -> Disagreements:
        """Rows where challenger and baseline predict different classes at threshold: the
        grid's first MAX_ROWS by score difference and their count, found in the background
        (Computing until then) and kept for every worker; or every one (a download, gathered
        from Spark now; refused above SPARK_CSV_ROWS)."""
        base, other = self._known([baseline, challenger]).values()
        labels = self.key(baseline).label(lang), self.key(challenger).label(lang)
        spark, data = self._state()
        cut = float(threshold)
        pair = (labels[0], base), (labels[1], other)
        found = spark.find_disagreements(*pair, data, cut, MAX_ROWS)
        if found is None:

            def compute() -> None:
                spark.disagreements(*pair, data, cut, MAX_ROWS)

            self._submit(("rows", baseline, challenger, str(cut)), compute)
            raise Computing(t("ui.spark_rows_computing", lang, a=labels[0], b=labels[1]))
        if not every or found.total <= len(found.rows):
            return found
        if found.total > SPARK_CSV_ROWS:
            raise ChampionError(t("ui.spark_csv_refused", lang, limit=f"{SPARK_CSV_ROWS:,}"))
        return spark.disagreements(*pair, data, cut, None)

    # figures, activity ------------------------------------------------------------------------

    def curve_part(self, kind: str, version: str, report: EvaluationReport, lang: str) -> Figure:
        """The version's own curve figure of kind as plotly JSON, built once per host."""
        scored = self._known([version])[self.key(version).uri]
        return self._figure(kind, version, scored, report, lang)

    def _figure(
        self, kind: str, version: str, scored: SparkScored, report: EvaluationReport, lang: str
    ) -> Figure:
        spark, data = self._state()
        digest = content_key(
            "figure", "spark", scored.path, data.fingerprint, report.name, kind, lang
        )

        def build() -> Figure:
            figure: Figure = as_json(curve_part(kind, report, lang))
            return figure

        store = spark.results
        kept = build if store is None else lambda: store.once("figure", digest, build)
        found: Figure = self.figures.get((kind, version, lang), kept)
        return found

    def activity(self, versions: Sequence[str]) -> list[Activity]:
        """The work about the selected versions, as every worker sees it (the results store's
        job records), and this process's queued work."""
        uris = {self.key(v).uri: v for v in versions if is_version(v)}
        spark, data = self._spark, self._data
        results = None if spark is None or data is None else spark.results
        records = [] if results is None or data is None else results.jobs(data.fingerprint)
        found = []
        for job in records:
            kind = JOB_KINDS.get(job.kind)
            named = tuple(uris[s] for s in job.subjects if s in uris)
            unnamed = not job.subjects or len(named) != len(job.subjects)
            if kind is None or unnamed or job.state in ("done", "stopped"):
                continue
            shown = tuple(reversed(named)) if kind == "pair" else named
            found.append(Activity(kind, shown, 0, 0, job.active, job.error))
        seen = {(a.kind, a.versions) for a in found if a.running}
        for kind, named in self._queued_about(versions):
            if (kind, named) not in seen:  # queued here, not started yet
                found.append(Activity(kind, named, 0, 0, True))
        return found

    def _queued_about(self, versions: Sequence[str]) -> list[tuple[str, tuple[str, ...]]]:
        """This process's queued work about the versions (the start about all of them): its
        kind on the activity line and the versions, challenger first for a comparison."""
        with self._lock:
            work = list(self._queued)
        found = []
        for item in work:
            kind, named = QUEUED_KINDS.get(item[0]), tuple(dict.fromkeys(reversed(item[1:3])))
            if item[0] == "start":
                named = tuple(v for v in versions if is_version(v))
            elif item[0] == "operating":  # ("operating", "1,3", criterion, lang)
                named = tuple(item[1].split(","))
            if kind is not None and named and set(named) <= set(versions):
                found.append((kind, named))
        return found

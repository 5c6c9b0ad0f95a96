"""What the dashboard's callbacks read, through the composer (``champion.workspace``): the
registered versions, their scores on the test set, and what is computed from them.

One backend per server process, created with the app. Scores and results live in the cache
folder, shared by every worker and kept across restarts: a version is scored once per host and
a paired comparison computed once, whichever worker was asked first; the others wait for it or
read it. Slow work (scoring, paired comparisons of a large test set) runs in this process's
background thread while the page says so; every worker reads the same job records.
"""

from __future__ import annotations

import contextvars
import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from champion.cache import ScoreCache
from champion.dashboard.config import DashboardConfig
from champion.dashboard.figure_cache import (
    CURVE_KINDS,
    Figure,
    FigureCache,
    as_json,
    assemble,
    curve_part,
    whole_figure,
)
from champion.dashboard.testset import open_test_set
from champion.dashboard.views import Activity, Evaluated, Prepared, Reports
from champion.data import EvalDataset
from champion.errors import ChampionError
from champion.evaluation import Comparison, EvaluationReport, GateCheck
from champion.models import MlflowRegistry, RegisteredModelInfo, user_auth
from champion.models.refs import CHAMPION_ALIAS
from champion.object_cache import open_store
from champion.presentation.i18n import LANGUAGES
from champion.workspace import (
    DEFAULT_THRESHOLD,
    Disagreements,
    Job,
    ModelKey,
    ScoredModel,
    ScoringPolicy,
    Statistics,
    Workspace,
)
from champion.workspace.results import content_key, failure_message

log = logging.getLogger("champion.dashboard")
V = TypeVar("V")
#: kinds of background work whose result a page waits for (besides scoring and pairs)
PREPARED = ("slices", "operating", "multiclass", "class-curves", "decision")
MODEL_TTL = 3.0  # seconds a read of the registered model (versions, aliases) is reused
CHALLENGER_ALIAS = "challenger"

__all__ = ["Activity", "DashboardBackend", "Evaluated", "Reports"]


class DashboardBackend:
    """The composer, the test set and a background thread for one dashboard process."""

    def __init__(self, config: DashboardConfig, workspace: Workspace | None = None) -> None:
        self.config = config
        if workspace is None:
            policy = ScoringPolicy(
                config.trust_types, config.allow_pickle, config.timeout, config.allowed_sources
            )
            shared = open_store(config.shared_cache) if config.shared_cache else None
            cache = ScoreCache(config.cache_dir, shared)
            workspace = Workspace(MlflowRegistry(config.tracking_uri), cache, policy)
        self.workspace = workspace
        self.dataset: EvalDataset = open_test_set(config)
        self.stats = Statistics(n_boot=config.n_boot)
        self.figures = FigureCache()
        self._lock = threading.Lock()
        self._scored: dict[str, ScoredModel] = {}
        self._model: dict[str | None, tuple[float, RegisteredModelInfo]] = {}
        self._queued: set[tuple[str, ...]] = set()  # work this process has queued, not finished
        self._failed: dict[tuple[str, ...], str] = {}  # errors of this process's work, unread
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="champion-work")

    # the registry -----------------------------------------------------------------------------

    def model(self, fresh: bool = False) -> RegisteredModelInfo:
        """The registered model; a read younger than MODEL_TTL seconds is reused (every
        callback asks, and aliases move rarely), fresh=True reads it again."""
        now, reader = time.monotonic(), user_auth.current()
        who = None if reader is None else reader.username  # each account reads for itself
        with self._lock:
            known = self._model.get(who)
        if not fresh and known is not None and now - known[0] < MODEL_TTL:
            return known[1]
        model = self.workspace.model(self.config.model_name)
        with self._lock:
            self._model[who] = (now, model)
        return model

    def key(self, version: str) -> ModelKey:
        """The dashboard's model at version, which must be a version number: a page's stores
        come from the browser, and a forged one must not name another model or an alias."""
        text = str(version)
        if not is_version(text):
            raise ChampionError(
                f"{text[:40]!r} is not a version number of {self.config.model_name!r}; pick "
                "versions in the list at the top of the page."
            )
        return ModelKey.of_version(self.config.model_name, str(int(text)))

    def default_selection(self, model: RegisteredModelInfo) -> list[str]:
        """@champion and @challenger when set, else @champion and the newest other version
        (or the two newest)."""
        newest = [v.version for v in model.versions]
        champion = model.aliases.get(CHAMPION_ALIAS)
        if champion is None:
            return newest[:2]
        challenger = model.aliases.get(CHALLENGER_ALIAS)
        if challenger is None or challenger == champion:
            challenger = next((v for v in newest if v != champion), None)
        return [champion] if challenger is None else [champion, challenger]

    # scores -----------------------------------------------------------------------------------

    def scored(self, version: str) -> ScoredModel | None:
        """The version's scores if cached; otherwise start scoring it and return None."""
        with self._lock:
            known = self._scored.get(version)
        if known is not None:
            return known
        warm = self.workspace.cached(self.key(version).uri, self.dataset)
        if warm is not None:
            with self._lock:
                self._scored[version] = warm
            return warm
        self._submit(("scoring", version), lambda: self._score(version))
        return None

    def _score(self, version: str) -> None:
        found = self.workspace.score(self.key(version).uri, self.dataset)
        with self._lock:
            self._scored[version] = found
        self.warm(version)

    def warm(self, version: str) -> None:
        """Build what pages draw of a scored version (its report, its curve figures in every
        language) ahead of the first request; kept with the results for every worker."""
        for lang in LANGUAGES:
            report = self.reports([version], lang).ready.get(version)
            if report is None:
                return
            for kind in CURVE_KINDS:
                self.curve_part(kind, version, report, lang)

    def warm_all(self) -> None:
        """warm() every version that already has scores (a restarted server), in the
        background thread; versions without scores are left to the pages."""

        def run() -> None:
            for ref in self.model(fresh=True).versions:
                if self.workspace.cached(self.key(ref.version).uri, self.dataset) is not None:
                    self.warm(ref.version)

        self._submit(("warm",), run)

    def _submit(self, work: tuple[str, ...], run: Callable[[], None]) -> None:
        """Run work in the background thread unless this process has it queued already; its
        error is kept for the next request to report (which then may submit it again)."""
        with self._lock:
            failed = self._failed.pop(work, None)
            if failed is not None:
                raise ChampionError(failed)
            if work in self._queued:
                return
            self._queued.add(work)

        def background() -> None:
            try:
                run()
            except Exception as err:  # every failure ends the job and is reported, then retried
                with self._lock:
                    self._failed[work] = failure_message(err)
                if not isinstance(err, ChampionError):
                    log.exception("%s failed", " ".join(work))
            finally:
                with self._lock:
                    self._queued.discard(work)

        # the work runs as the user who asked for it (their MLflow credentials, with --auth mlflow)
        self._executor.submit(contextvars.copy_context().run, background)

    def activity(self, versions: Sequence[str]) -> list[Activity]:
        """Scoring and comparisons about the selected versions, as every worker sees them."""
        uris = {self.key(v).uri: v for v in versions if is_version(v)}
        found = []
        for job in self.workspace.jobs(self.dataset):
            named = tuple(uris[s] for s in job.subjects if s in uris)
            # work about no version in particular (a report's own job) is not listed
            unnamed = not job.subjects or len(named) != len(job.subjects)
            if unnamed or job.state in ("done", "stopped"):
                continue
            if job.kind == "pair":
                named = tuple(reversed(named))
            found.append(_activity(job, named))
        seen = {(a.kind, a.versions) for a in found if a.running}
        for kind, named in self._queued_about(versions):
            if (kind, named) not in seen:  # queued here, not started yet
                found.append(Activity(kind, named, 0, self.dataset.n, True))
        return found

    def _queued_about(self, versions: Sequence[str]) -> list[tuple[str, tuple[str, ...]]]:
        """This process's queued scoring, comparisons, slice tables and operating points of the
        versions: (kind, versions, challenger first for a comparison)."""
        with self._lock:
            work = list(self._queued)
        scoring: list[tuple[str, tuple[str, ...]]] = [
            ("scoring", (w[1],)) for w in work if w[0] == "scoring" and w[1] in versions
        ]
        pairs: list[tuple[str, tuple[str, ...]]] = [
            ("pair", (w[2], w[1]))
            for w in work
            if w[0] == "pair" and w[1] in versions and w[2] in versions
        ]
        prepared = [(w[0], tuple(w[1].split(","))) for w in work if w[0] in PREPARED]
        return scoring + pairs + [p for p in prepared if set(p[1]) <= set(versions)]

    # evaluations ------------------------------------------------------------------------------

    def reports(self, versions: Sequence[str], lang: str = "en") -> Reports:
        """Reports (no bootstrap) of the selected versions that are scored, in order, named
        "version 3" in lang."""
        ready: dict[str, EvaluationReport] = {}
        pending = []
        for version in versions:
            scored = self.scored(version)
            if scored is None:
                pending.append(version)
            else:
                label = self.key(version).label(lang)
                ready[version] = self.workspace.report(scored, self.dataset, label)
        return Reports(ready, tuple(pending))

    def baseline_of(self, ready: Sequence[str]) -> str:
        """The champion's version if selected and ready, else the first ready version."""
        champion = self.model().aliases.get(CHAMPION_ALIAS)
        return champion if champion is not None and champion in ready else ready[0]

    def is_ready(self, version: str) -> bool:
        """Whether the version's scores are at hand (else their scoring is started)."""
        return self.scored(version) is not None

    def ready_and_baseline(self, versions: Sequence[str]) -> tuple[list[str], tuple[str, ...]]:
        """The scored versions, baseline first (empty when none is), and the pending ones."""
        ready = [v for v in versions if self.is_ready(v)]
        pending = tuple(v for v in versions if v not in ready)
        if not ready:
            return [], pending
        baseline = self.baseline_of(ready)
        return [baseline, *(v for v in ready if v != baseline)], pending

    def pair(self, baseline: str, challenger: str, threshold: float) -> Comparison | None:
        """The paired comparison (neutral names) if stored; computed now when small; else
        queued in the background (None)."""
        base, other = self._scored_pair(baseline, challenger)
        chal = None if challenger == baseline else other  # the baseline alone
        stats = dataclasses.replace(self.stats, threshold=float(threshold))
        analyses = self.workspace.analyses
        found = analyses.find_pair(base, chal, self.dataset, stats)
        if found is not None:
            return found
        if self.dataset.n * (stats.n_boot + 1) <= self.config.inline_budget:
            return analyses.pair(base, chal, self.dataset, stats)

        def compute() -> None:
            analyses.pair(base, chal, self.dataset, stats)

        self._submit(("pair", baseline, challenger, str(stats.threshold)), compute)
        return None

    def _ready(self, version: str) -> ScoredModel:
        with self._lock:
            return self._scored[version]

    def _scored_pair(self, baseline: str, challenger: str) -> tuple[ScoredModel, ScoredModel]:
        base, chal = self.scored(baseline), self.scored(challenger)
        if base is None or chal is None:
            missing = baseline if base is None else challenger
            raise ChampionError(f"version {missing} has no scores yet; try again shortly.")
        return base, chal

    def evaluate(self, versions: Sequence[str], threshold: float, lang: str = "en") -> Evaluated:
        """Compare the selected versions that are scored, the champion (if among them) first;
        models named "version 3" in lang."""
        ordered, pending = self.ready_and_baseline(versions)
        if not ordered:
            return Evaluated(None, (), pending, None)
        baseline, challengers = ordered[0], ordered[1:]
        pairs = {c: self.pair(baseline, c, threshold) for c in challengers or [baseline]}
        computing = tuple(c for c, found in pairs.items() if found is None)
        if computing:
            return Evaluated(None, tuple(ordered), pending, baseline, computing)
        scored = {self.key(v).label(lang): self._ready(v) for v in ordered}
        stats = dataclasses.replace(self.stats, threshold=float(threshold))
        given = {self.key(c).label(lang): p for c, p in pairs.items() if p is not None}
        comparison = self.workspace.analyses.selection(
            scored, self.key(baseline).label(lang), self.dataset, stats, given
        )
        return Evaluated(comparison, tuple(ordered), pending, baseline)

    def prepared(
        self,
        ordered: list[str],
        pending: tuple[str, ...],
        found: V | None,
        compute: Callable[[], V],
        queued: tuple[tuple[str, ...], int],
    ) -> Prepared[V]:
        """found if stored; compute() now when its cost (rows x resamples, queued[1]) is within
        the inline budget; else compute() queued in the background as work queued[0], every
        worker reading its result, and the value None with the versions "computing"."""
        if found is not None:
            return Prepared(found, pending)
        work, cost = queued
        if cost <= self.config.inline_budget:
            return Prepared(compute(), pending)

        def run() -> None:
            compute()

        self._submit(work, run)
        return Prepared(None, pending, tuple(ordered[1:]) or (ordered[0],), ordered[0])

    def curve_part(self, kind: str, version: str, report: EvaluationReport, lang: str) -> Figure:
        """The version's own curve figure of kind ("roc", "pr", "gain", "calibration"; no
        threshold markers) as plotly JSON: built once per host, read by every worker."""
        key = (kind, version, lang)
        scored = self._ready(version)
        digest = content_key(
            "figure", scored.digest, self.dataset.fingerprint, report.name, kind, lang
        )

        def build() -> Figure:
            figure: Figure = as_json(curve_part(kind, report, lang))
            return figure

        store = self.workspace.scorer.results
        found: Figure = self.figures.get(
            key, build if store is None else lambda: store.once("figure", digest, build)
        )
        return found

    def curves(
        self, kind: str, ready: dict[str, EvaluationReport], cut: float, lang: str
    ) -> Figure:
        """The figure of kind for the ready versions (version -> report) at threshold cut,
        assembled from each version's part (built once), else drawn together."""
        if not ready:
            return {}
        parts = [self.curve_part(kind, v, report, lang) for v, report in ready.items()]
        reports = {report.name: report for report in ready.values()}
        merged = assemble(kind, parts, reports, cut, lang)
        if merged is not None:
            return merged
        key = (kind, tuple(ready), cut, lang)
        whole: Figure = self.figures.get(key, lambda: whole_figure(kind, reports, cut, lang))
        return whole

    def gate(self, champion: str | None, challenger: str) -> GateCheck | None:
        """The default gate of challenger against champion on the test set at the default
        threshold; None when there is no champion to compare with. It reads the paired
        comparison the pages use (computed once; for a large test set in the background, in
        which case this says to try again shortly rather than keep the request waiting)."""
        if champion is None or champion == challenger:
            return None
        for version in (champion, challenger):
            if self.scored(version) is None:
                raise ChampionError(
                    f"version {version} is being scored on the test set; the gate needs its "
                    "scores: try again when the scoring shown at the top has finished."
                )
        if self.dataset.classes is not None:  # multiclass: the composer's own comparison
            base, chal = self._scored_pair(champion, challenger)
            return self.workspace.gate(base, chal, self.dataset, self.stats)
        pair = self.pair(champion, challenger, DEFAULT_THRESHOLD)
        if pair is None:
            raise ChampionError(
                f"the gate's paired comparison of version {challenger} with version {champion} "
                "is computing in the background (a large test set); try again in a moment."
            )
        base, chal = self._scored_pair(champion, challenger)
        stats = dataclasses.replace(self.stats, threshold=DEFAULT_THRESHOLD)
        return self.workspace.gate(base, chal, self.dataset, stats, pair=pair)

    def disagreements(
        self,
        baseline: str,
        challenger: str,
        threshold: float,
        lang: str = "en",
        every: bool = False,
    ) -> Disagreements:
        """Rows where challenger and baseline disagree at threshold (both must be scored): the
        grid's first rows, or every one (a download)."""
        base, chal = self._scored_pair(baseline, challenger)
        return self.workspace.disagreements(
            (self.key(baseline).label(lang), base),
            (self.key(challenger).label(lang), chal),
            self.dataset,
            float(threshold),
            every,
        )


def is_version(text: object) -> bool:
    """Whether text is a version number (ASCII digits, above 0)."""
    value = str(text)
    return value.isascii() and value.isdigit() and int(value) > 0


def _activity(job: Job, versions: tuple[str, ...]) -> Activity:
    return Activity(job.kind, versions, job.done, job.total, job.active, job.error)

"""What the dashboard's callbacks read: the registered versions, their cached scores on the test
set, and comparisons computed from them.

One backend per server process, created with the app. Everything it keeps is a cache of facts
that do not change (a version's scores, a comparison of given versions at a given threshold):
two workers, or a restart, compute the same values. Versions not yet scored are scored by a
background thread, one at a time, while the pages stay usable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

from champion.cache import ScoreCache
from champion.dashboard.config import DashboardConfig
from champion.dashboard.evaluations import (
    Disagreements,
    Evaluations,
    PairKey,
    version_label,
)
from champion.dashboard.figure_cache import FigureCache
from champion.dashboard.operations import Operations
from champion.data import EvalDataset, load_dataset
from champion.errors import ChampionError
from champion.evaluation import Comparison, EvaluationReport, SliceTable
from champion.models import MlflowRegistry, RegisteredModelInfo
from champion.service import CHAMPION_ALIAS, ChampionService, ScoredModel, ScoringPolicy

MODEL_TTL = 3.0  # seconds a read of the registered model (versions, aliases) is reused

__all__ = ["DashboardBackend", "Evaluated", "JobStatus", "Reports", "version_label"]


@dataclass(frozen=True)
class JobStatus:
    """Progress of scoring one version: rows done of rows, or the error that stopped it."""

    version: str
    done: int
    total: int
    error: str | None = None

    @property
    def finished(self) -> bool:
        return self.error is not None or (self.total > 0 and self.done >= self.total)


@dataclass(frozen=True)
class Evaluated:
    """The selected versions that are ready (baseline first), their comparison (None when none
    is ready or a paired comparison is still computing), the versions still being scored and
    the challengers whose comparison is computing in the background."""

    comparison: Comparison | None
    ready: tuple[str, ...]
    pending: tuple[str, ...]
    baseline: str | None
    computing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reports:
    """Reports of the selected versions that are scored (version -> report), and the rest."""

    ready: dict[str, EvaluationReport]
    pending: tuple[str, ...]


class DashboardBackend:
    """Registry, test set, score cache and a scoring thread for one dashboard process."""

    def __init__(self, config: DashboardConfig, service: ChampionService | None = None) -> None:
        self.config = config
        if service is None:
            registry = MlflowRegistry(config.tracking_uri)
            policy = ScoringPolicy(config.trust_types, config.allow_pickle, config.timeout)
            service = ChampionService(registry, ScoreCache(config.cache_dir), policy)
        self.service = service
        self.dataset: EvalDataset = load_dataset(
            config.data_source,
            target=config.target,
            pos_label=config.pos_label,
            features=list(config.features) if config.features else None,
            recipe=config.recipe,
        )
        self._lock = threading.Lock()
        self._scored: dict[str, ScoredModel] = {}
        self._model: tuple[float, RegisteredModelInfo] | None = None
        self.figures = FigureCache()
        self.evaluations = Evaluations(
            self.dataset, self._ready_scores, config.n_boot, config.inline_budget
        )
        self._jobs: dict[str, JobStatus] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="champion-score")

    # the registry -----------------------------------------------------------------------------

    def model(self, fresh: bool = False) -> RegisteredModelInfo:
        """The registered model; a read younger than MODEL_TTL seconds is reused (every
        callback asks, and aliases move rarely), fresh=True reads it again."""
        now = time.monotonic()
        with self._lock:
            known = self._model
        if not fresh and known is not None and now - known[0] < MODEL_TTL:
            return known[1]
        model = self.service.registry.get_model(self.config.model_name)
        with self._lock:
            self._model = (now, model)
        return model

    def uri(self, version: str) -> str:
        return f"models:/{self.config.model_name}/{version}"

    def default_selection(self, model: RegisteredModelInfo) -> list[str]:
        """The champion's version and the newest other version (or the two newest)."""
        newest = [v.version for v in model.versions]
        champion = model.aliases.get(CHAMPION_ALIAS)
        if champion is None:
            return newest[:2]
        challenger = next((v for v in newest if v != champion), None)
        return [champion] if challenger is None else [champion, challenger]

    # scores -----------------------------------------------------------------------------------

    def scored(self, version: str) -> ScoredModel | None:
        """The version's scores if cached; otherwise start scoring it and return None."""
        with self._lock:
            known = self._scored.get(version)
        if known is not None:
            return known
        warm = self.service.cached(self.uri(version), self.dataset)
        if warm is not None:
            with self._lock:
                self._scored[version] = warm
            return warm
        self.start_scoring(version)
        return None

    def start_scoring(self, version: str) -> None:
        """Score a version in the background thread (once; a failed job can be retried)."""
        with self._lock:
            job = self._jobs.get(version)
            if job is not None and job.error is None:
                return
            self._jobs[version] = JobStatus(version, 0, self.dataset.n)
        self._executor.submit(self._score, version)

    def _score(self, version: str) -> None:
        def progress(_label: str, done: int, total: int) -> None:
            with self._lock:
                self._jobs[version] = JobStatus(version, done, total)

        service = ChampionService(
            self.service.registry, self.service.cache, self.service.policy, progress
        )
        try:
            result = service.score(self.uri(version), self.dataset)
        except ChampionError as err:
            with self._lock:
                self._jobs[version] = JobStatus(version, 0, self.dataset.n, str(err))
            return
        with self._lock:
            self._scored[version] = result
            self._jobs[version] = JobStatus(version, self.dataset.n, self.dataset.n)

    def _ready_scores(self, version: str) -> ScoredModel | None:
        with self._lock:
            return self._scored.get(version)

    def jobs(self) -> list[JobStatus]:
        """Scoring jobs of this process, finished ones included."""
        with self._lock:
            return list(self._jobs.values())

    # evaluations ------------------------------------------------------------------------------

    def reports(self, versions: Sequence[str]) -> Reports:
        """Reports (no bootstrap) of the selected versions that are scored, in order."""
        ready: dict[str, EvaluationReport] = {}
        pending = []
        for version in versions:
            # scored() reads the score cache, or starts scoring; the report needs the scores
            report = self.evaluations.report(version) if self.scored(version) else None
            if report is None:
                pending.append(version)
            else:
                ready[version] = report
        return Reports(ready, tuple(pending))

    def baseline_of(self, ready: Sequence[str]) -> str:
        """The champion's version if selected and ready, else the first ready version."""
        champion = self.model().aliases.get(CHAMPION_ALIAS)
        return champion if champion is not None and champion in ready else ready[0]

    def evaluate(self, versions: Sequence[str], threshold: float) -> Evaluated:
        """Compare the selected versions that are scored, the champion (if among them) first."""
        ordered, pending = self.ready_and_baseline(versions)
        if not ordered:
            return Evaluated(None, (), pending, None)
        baseline = ordered[0]
        comparison, computing = self.evaluations.selection(baseline, ordered, float(threshold))
        return Evaluated(comparison, tuple(ordered), pending, baseline, computing)

    def ready_and_baseline(self, versions: Sequence[str]) -> tuple[list[str], tuple[str, ...]]:
        """The scored versions, baseline first (empty when none is), and the pending ones."""
        ready = [v for v in versions if self.scored(v) is not None]
        pending = tuple(v for v in versions if v not in ready)
        if not ready:
            return [], pending
        baseline = self.baseline_of(ready)
        return [baseline, *(v for v in ready if v != baseline)], pending

    def slices(
        self, versions: Sequence[str], column: str, bins: int, metric: str, threshold: float
    ) -> tuple[SliceTable | None, tuple[str, ...]]:
        """metric per slice of column for the scored versions, and the pending versions."""
        ordered, pending = self.ready_and_baseline(versions)
        if not ordered:
            return None, pending
        table = self.evaluations.slices(ordered[0], ordered, column, bins, metric, float(threshold))
        return table, pending

    def disagreements(self, baseline: str, challenger: str, threshold: float) -> Disagreements:
        """Rows where challenger and baseline disagree at threshold (both must be scored)."""
        for version in (baseline, challenger):
            self.scored(version)
        return self.evaluations.disagreements(PairKey(baseline, challenger, float(threshold)))

    @cached_property
    def operations(self) -> Operations:
        """Promote, roll back and history of the model (a registry writer client, made once)."""
        return Operations(self)

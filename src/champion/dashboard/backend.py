"""What the dashboard's callbacks read: the registered versions, their cached scores on the test
set, and comparisons computed from them.

One backend per server process, created with the app. Everything it keeps is a cache of facts
that do not change (a version's scores, a comparison of given versions at a given threshold):
two workers, or a restart, compute the same values. Versions not yet scored are scored by a
background thread, one at a time, while the pages stay usable.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from champion.cache import ScoreCache
from champion.dashboard.config import DashboardConfig
from champion.data import EvalDataset, load_dataset
from champion.errors import ChampionError
from champion.evaluation import Comparison, compare
from champion.models import MlflowRegistry, ModelVersionRef, RegisteredModelInfo
from champion.service import CHAMPION_ALIAS, ChampionService, ScoredModel, ScoringPolicy

_MEMO_SIZE = 64


def version_label(version: str) -> str:
    """The name a version goes by in tables, legends and colours: "version 3"."""
    return f"version {version}"


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
    """The selected versions that are ready, their comparison (None when fewer than one is
    ready), and the versions still being scored."""

    comparison: Comparison | None
    ready: tuple[str, ...]
    pending: tuple[str, ...]
    baseline: str | None


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
        self._comparisons: OrderedDict[tuple[object, ...], Comparison] = OrderedDict()
        self._jobs: dict[str, JobStatus] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="champion-score")

    # the registry -----------------------------------------------------------------------------

    def model(self) -> RegisteredModelInfo:
        """The registered model, read afresh (aliases move)."""
        return self.service.registry.get_model(self.config.model_name)

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

    def jobs(self) -> list[JobStatus]:
        """Scoring jobs of this process, finished ones included."""
        with self._lock:
            return list(self._jobs.values())

    # comparisons ------------------------------------------------------------------------------

    def evaluate(self, versions: Sequence[str], threshold: float) -> Evaluated:
        """Compare the selected versions that are scored, the champion (if among them) first."""
        ready = [v for v in versions if self.scored(v) is not None]
        pending = tuple(v for v in versions if v not in ready)
        if not ready:
            return Evaluated(None, (), pending, None)
        champion = self.model().aliases.get(CHAMPION_ALIAS)
        baseline = champion if champion in ready else ready[0]
        key = (tuple(ready), baseline, float(threshold))
        with self._lock:
            memo = self._comparisons.get(key)
        if memo is None:
            memo = self._compare(ready, baseline, threshold)
            with self._lock:
                self._comparisons[key] = memo
                while len(self._comparisons) > _MEMO_SIZE:
                    self._comparisons.popitem(last=False)
        return Evaluated(memo, tuple(ready), pending, baseline)

    def _compare(self, ready: Sequence[str], baseline: str, threshold: float) -> Comparison:
        scored = {version: self._scored[version] for version in ready}
        return compare(
            self.dataset.labels,
            {version_label(v): s.values for v, s in scored.items()},
            baseline=version_label(baseline),
            pos_label=self.dataset.pos_label,
            threshold=threshold,
            n_boot=self.config.n_boot,
            labels_only=[version_label(v) for v, s in scored.items() if s.labels_only],
        )

    def version_refs(self) -> list[ModelVersionRef]:
        return list(self.model().versions)

"""The one composer: test data + registry + scoring + cache + evaluation.

Every view of a (model version, test set) pair — a CLI comparison, a dashboard page, a report —
goes through here, so a model is loaded and scored at most once per test set: later requests read
the cached scores and never load the model again.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from champion.cache import ScoreCache, ScoreKey
from champion.data import EvalDataset
from champion.errors import DataError
from champion.evaluation import Comparison, EvaluationReport, compare, evaluate
from champion.models.artifact import directory_checksum
from champion.models.refs import ResolvedModel
from champion.models.registry import RegistryClient
from champion.models.scoring import score_model
from champion.models.tracking import EvaluationRecord

CHAMPION_ALIAS = "champion"

# called with (model label, rows done, rows in all) while a model is scored
ProgressHook = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ScoredModel:
    """One model's scores on one test set: values (n,) in the dataset's row order."""

    label: str
    resolved: ResolvedModel
    values: npt.NDArray[np.float64]
    kind: str
    note: str | None
    checksum: str
    from_cache: bool

    @property
    def labels_only(self) -> bool:
        return self.kind == "label"


@dataclass(frozen=True)
class ScoringPolicy:
    """What the user allowed: extra skops types, pickle models, and the scoring time limit."""

    trusted_types: tuple[str, ...] = ()
    allow_pickle: bool = False
    timeout: float = 600.0


class ChampionService:
    """Scores registered models on a test set once, then answers from the score cache."""

    def __init__(
        self,
        registry: RegistryClient,
        cache: ScoreCache | None,
        policy: ScoringPolicy | None = None,
        progress: ProgressHook | None = None,
    ) -> None:
        self.registry = registry
        self.cache = cache
        self.policy = policy or ScoringPolicy()
        self.progress = progress

    def cached(self, uri: str, dataset: EvalDataset) -> ScoredModel | None:
        """The model's scores on dataset if the cache has them (no download, no loading)."""
        if self.cache is None:
            return None
        resolved = self.registry.resolve(uri)
        checksum = self.cache.checksum_of(resolved.identity)
        if checksum is None:
            return None
        key = ScoreKey(resolved.identity, checksum, dataset.fingerprint, repr(dataset.pos_label))
        hit = self.cache.get(key)
        if hit is None or hit.values.size != dataset.n:
            return None
        return ScoredModel(uri, resolved, hit.values, hit.kind, hit.note, checksum, True)

    def score(self, uri: str, dataset: EvalDataset) -> ScoredModel:
        """Scores of the model at uri on dataset, from the cache when possible."""
        warm = self.cached(uri, dataset)
        if warm is not None:
            return warm
        resolved = self.registry.resolve(uri)
        with tempfile.TemporaryDirectory(prefix="champion-model-") as tmp:
            model_dir = self.registry.download(resolved, Path(tmp))
            return self._score_downloaded(
                uri, resolved, model_dir, dataset, repr(dataset.pos_label)
            )

    def _score_downloaded(
        self,
        uri: str,
        resolved: ResolvedModel,
        model_dir: Path,
        dataset: EvalDataset,
        pos_label: str,
    ) -> ScoredModel:
        checksum = directory_checksum(model_dir)
        key = ScoreKey(resolved.identity, checksum, dataset.fingerprint, pos_label)
        if self.cache is not None:
            self.cache.remember_checksum(resolved.identity, checksum)
            hit = self.cache.get(key)
            if hit is not None and hit.values.size == dataset.n:
                return ScoredModel(uri, resolved, hit.values, hit.kind, hit.note, checksum, True)
        hook = self.progress
        # the loading policy and the signature check run inside score_model, before its worker
        scores = score_model(
            model_dir,
            dataset.frame,
            pos_label=dataset.pos_label,
            trusted_types=self.policy.trusted_types,
            allow_pickle=self.policy.allow_pickle,
            timeout=self.policy.timeout,
            model_label=uri,
            progress=None if hook is None else lambda done, total: hook(uri, done, total),
        )
        if self.cache is not None:
            meta = {"uri": uri, "name": resolved.name, "version": resolved.version}
            self.cache.put(key, scores.values, scores.kind, scores.note, meta)
        values = np.asarray(scores.values, dtype=np.float64)
        return ScoredModel(uri, resolved, values, scores.kind, scores.note, checksum, False)

    def score_all(self, uris: Sequence[str], dataset: EvalDataset) -> dict[str, ScoredModel]:
        """Scores of several models (keyed by the URI as given), in order."""
        if len(set(uris)) != len(uris):
            raise DataError("each model URI may be given only once.")
        return {uri: self.score(uri, dataset) for uri in uris}

    def default_baseline(self, uris: Sequence[str], scored: dict[str, ScoredModel]) -> str:
        """The URI holding the champion alias of the (first) registered model, else the first."""
        for uri in uris:
            resolved = scored[uri].resolved
            if resolved.name is None:
                continue
            aliases = self.registry.get_model(resolved.name).aliases
            champion_version = aliases.get(CHAMPION_ALIAS)
            for candidate in uris:
                other = scored[candidate].resolved
                if other.name == resolved.name and other.version == champion_version:
                    return candidate
            break
        return uris[0]

    def match_baseline(
        self, baseline: str, uris: Sequence[str], scored: dict[str, ScoredModel]
    ) -> str:
        """The given URI, or the URI whose version holds "@alias" (for baseline="@alias")."""
        if baseline in scored:
            return baseline
        target = self.registry.resolve(baseline) if not baseline.startswith("@") else None
        for uri in uris:
            resolved = scored[uri].resolved
            if target is not None and (resolved.name, resolved.version) == (
                target.name,
                target.version,
            ):
                return uri
            if target is None and resolved.name is not None:
                alias = baseline[1:]
                version = self.registry.get_model(resolved.name).aliases.get(alias)
                if version == resolved.version:
                    return uri
        raise DataError(
            f"baseline {baseline!r} is none of the compared models ({', '.join(uris)}); give one "
            "of them, or @ALIAS for the version holding that alias."
        )

    def compare(
        self,
        uris: Sequence[str],
        dataset: EvalDataset,
        *,
        baseline: str | None = None,
        **options: Any,
    ) -> tuple[Comparison, dict[str, ScoredModel]]:
        """Score (or read) every model and compare them on the dataset's rows."""
        if len(uris) < 1:
            raise DataError("give at least one model URI to compare.")
        scored = self.score_all(uris, dataset)
        chosen = (
            self.default_baseline(uris, scored)
            if baseline is None
            else self.match_baseline(baseline, uris, scored)
        )
        labels_only = [uri for uri, s in scored.items() if s.labels_only]
        result = compare(
            dataset.labels,
            {uri: s.values for uri, s in scored.items()},
            baseline=chosen,
            pos_label=dataset.pos_label,
            labels_only=labels_only,
            **options,
        )
        return result, scored

    def evaluate(
        self, uri: str, dataset: EvalDataset, **options: Any
    ) -> tuple[EvaluationReport, ScoredModel]:
        """Score (or read) one model and evaluate it on the dataset's rows."""
        scored = self.score(uri, dataset)
        report = evaluate(
            dataset.labels,
            scored.values,
            pos_label=dataset.pos_label,
            name=uri,
            labels_only=scored.labels_only,
            **options,
        )
        return report, scored


def evaluation_record(
    report: EvaluationReport, scored: ScoredModel, dataset: EvalDataset
) -> EvaluationRecord:
    """What ``champion evaluate --log`` writes: metric values with their CI bounds, settings,
    the evaluated rows and the full result (curves included) as JSON-ready data."""
    metrics: dict[str, float] = {}
    for name, estimate in report.metrics.items():
        for suffix, value in (
            ("", estimate.value),
            ("_ci_low", estimate.ci_low),
            ("_ci_high", estimate.ci_high),
        ):
            if value is not None:
                metrics[f"{name}{suffix}"] = value
    params = {
        "threshold": str(report.threshold),
        "confidence": str(report.confidence),
        "n_boot": str(report.n_boot),
        "random_state": str(report.random_state),
        "pos_label": repr(dataset.pos_label),
        "rows": str(dataset.n),
        "recipe": str(dataset.recipe),
    }
    frame = dataset.frame.assign(**{dataset.target: dataset.labels})
    result = {
        **report.to_dict(curves=True),
        "dataset": dataset.summary(),
        "scores": {"kind": scored.kind, "note": scored.note, "checksum": scored.checksum},
    }
    name = f"{dataset.recipe or 'test set'}: {dataset.source}"
    return EvaluationRecord(
        metrics=metrics,
        params=params,
        frame=frame,
        target=dataset.target,
        dataset_name=name[:500],
        dataset_source=str(dataset.source),
        dataset_digest=dataset.fingerprint,
        result=result,
    )

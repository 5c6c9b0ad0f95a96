"""Scores of a model on a test set: resolved once, scored once per host, then read from disk.

A model version is downloaded and scored at most once per test set on a host however many
workers or commands ask: scoring runs under the inter-process lock of (model, test set,
positive label), and the others wait for it and read the score cache. Progress is written to
the job record every worker reads.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from champion.cache import ScoreCache, ScoreKey
from champion.data import EvalDataset
from champion.errors import ModelError
from champion.models.artifact import directory_checksum
from champion.models.refs import ResolvedModel, parse_model_uri
from champion.models.registry import RegistryClient
from champion.models.scoring import score_model
from champion.workspace.keys import ModelKey
from champion.workspace.results import ResultStore, content_key, failure_message, write_atomic

log = logging.getLogger("champion.workspace")

# called with (model URI, rows done, rows in all) while a model is scored
ProgressHook = Callable[[str, int, int], None]
PROGRESS_EVERY = 0.5  # seconds between two writes of a scoring job's progress record


@dataclass(frozen=True)
class ScoringPolicy:
    """What the user allowed: extra skops types, pickle models, the scoring time limit, and
    where model artifacts may come from (URI prefixes; empty: anywhere)."""

    trusted_types: tuple[str, ...] = ()
    allow_pickle: bool = False
    timeout: float = 600.0
    allowed_sources: tuple[str, ...] = ()

    def check_source(self, resolved: ResolvedModel) -> None:
        """ModelError when the model's artifacts lie outside the allowed sources."""
        where = resolved.download_uri
        if not self.allowed_sources or where.startswith(self.allowed_sources):
            return
        raise ModelError(
            f"model {resolved.uri!r} is stored at {where!r}, outside the allowed sources "
            f"({', '.join(self.allowed_sources)}); it was not downloaded. Add its location "
            "with --allowed-source PREFIX if it is trusted."
        )


@dataclass(frozen=True)
class ScoredModel:
    """One model's scores on one test set: values (n,) in the dataset's row order, or (n, K)
    class probabilities on a multiclass test set, in the order of ``classes`` (the model's
    own); digest is a checksum of the values, their kind and classes (what results computed
    from them are keyed by)."""

    key: ModelKey
    resolved: ResolvedModel
    values: npt.NDArray[np.float64]
    kind: str
    note: str | None
    checksum: str
    from_cache: bool
    digest: str
    classes: tuple[Any, ...] | None = None

    @property
    def labels_only(self) -> bool:
        return self.kind == "label"


def scores_digest(
    values: npt.NDArray[np.float64], kind: str, classes: tuple[Any, ...] | None = None
) -> str:
    """sha256 of the scores ((n,) or (n, K)) as float64 bytes, with their kind (and classes)."""
    digest = hashlib.sha256(kind.encode())
    if classes is not None:  # binary digests stay as they were
        digest.update(json.dumps([values.shape, [str(c) for c in classes]]).encode())
    digest.update(np.ascontiguousarray(values, dtype=np.float64).tobytes())
    return digest.hexdigest()


class Scorer:
    """Resolves model URIs and scores models on test sets through the score cache."""

    def __init__(
        self,
        registry: RegistryClient,
        cache: ScoreCache | None,
        policy: ScoringPolicy,
        progress: ProgressHook | None = None,
    ) -> None:
        self.registry = registry
        self.cache = cache
        self.policy = policy
        self.progress = progress
        self.results = ResultStore(cache.root, shared=cache.shared) if cache is not None else None

    # resolving --------------------------------------------------------------------------------

    def resolve(self, uri: str) -> ResolvedModel:
        """Pin uri to exact artifacts. A registered version never changes, so its resolution
        is kept in the cache (no registry read next time); aliases are always read fresh."""
        parsed = parse_model_uri(uri)
        if parsed.kind != "version" or self.cache is None:
            return self.registry.resolve(uri)
        path = self._resolution_path(parsed.uri)
        try:
            raw = json.loads(path.read_text())
            return ResolvedModel(
                uri=uri,
                name=raw["name"],
                version=raw["version"],
                model_id=raw["model_id"],
                run_id=raw["run_id"],
                download_uri=raw["download_uri"],
            )
        except (OSError, ValueError, KeyError):
            pass
        resolved = self.registry.resolve(uri)
        fields = ("name", "version", "model_id", "run_id", "download_uri")
        record = {field: getattr(resolved, field) for field in fields}
        write_atomic(path, json.dumps(record).encode())
        return resolved

    def _resolution_path(self, uri: str) -> Path:
        assert self.cache is not None
        name = hashlib.sha256(f"{self.registry.tracking_uri}|{uri}".encode()).hexdigest()
        return self.cache.root / "resolved" / f"{name}.json"

    # scoring ----------------------------------------------------------------------------------

    def cached(self, resolved: ResolvedModel, dataset: EvalDataset) -> ScoredModel | None:
        """The model's scores on dataset if the cache has them (no download, no loading)."""
        if self.cache is None:
            return None
        checksum = self.cache.checksum_of(resolved.identity)
        if checksum is None:
            return None
        key = ScoreKey(resolved.identity, checksum, dataset.fingerprint, repr(dataset.pos_label))
        hit = self.cache.get(key)
        if hit is None or not _fits(hit.values, dataset):
            return None
        return _scored(resolved, hit.values, hit.kind, hit.note, checksum, True, _classes(hit.meta))

    def job_digest(self, resolved: ResolvedModel, dataset: EvalDataset) -> str:
        """The key of the scoring job (and its lock) of this model on this test set."""
        return content_key(
            "scoring", resolved.identity, dataset.fingerprint, repr(dataset.pos_label)
        )

    def score(self, resolved: ResolvedModel, dataset: EvalDataset) -> ScoredModel:
        """Scores of the model on dataset: from the cache, else scored here (once per host:
        a second caller waits for the first and reads the cache)."""
        warm = self.cached(resolved, dataset)
        if warm is not None:
            log.info("scores of %s: read from the cache", resolved.uri)
            return warm
        if self.results is None:
            return self._download_and_score(resolved, dataset, None)
        digest = self.job_digest(resolved, dataset)
        with self.results.locked(digest):
            warm = self.cached(resolved, dataset)
            if warm is not None:
                return warm
            subjects = (ModelKey.of_resolved(resolved).uri,)
            record = self.results.record
            record(digest, "scoring", subjects, "running", 0, dataset.n, None, dataset.fingerprint)
            started = time.monotonic()
            try:
                found = self._download_and_score(resolved, dataset, digest)
            except Exception as err:  # every worker reads why; the next ask retries
                why = failure_message(err)
                record(
                    digest, "scoring", subjects, "failed", 0, dataset.n, why, dataset.fingerprint
                )
                raise
            record(
                digest, "scoring", subjects, "done", dataset.n, dataset.n, None, dataset.fingerprint
            )
            log.info("scoring %s: %d rows in %.2f s", resolved.uri, dataset.n, _since(started))
            return found

    def _download_and_score(
        self, resolved: ResolvedModel, dataset: EvalDataset, digest: str | None
    ) -> ScoredModel:
        self.policy.check_source(resolved)  # before anything is downloaded
        with tempfile.TemporaryDirectory(prefix="champion-model-") as tmp:
            model_dir = self.registry.download(resolved, Path(tmp))
            checksum = directory_checksum(model_dir)
            key = ScoreKey(
                resolved.identity, checksum, dataset.fingerprint, repr(dataset.pos_label)
            )
            if self.cache is not None:
                self.cache.remember_checksum(resolved.identity, checksum)
                hit = self.cache.get(key)
                if hit is not None and _fits(hit.values, dataset):
                    classes = _classes(hit.meta)
                    return _scored(
                        resolved, hit.values, hit.kind, hit.note, checksum, True, classes
                    )
            # the loading policy and the signature check run inside score_model, before its worker
            scores = score_model(
                model_dir,
                dataset.frame,
                task="binary" if dataset.classes is None else "multiclass",
                pos_label=dataset.pos_label,
                trusted_types=self.policy.trusted_types,
                allow_pickle=self.policy.allow_pickle,
                timeout=self.policy.timeout,
                model_label=resolved.uri,
                progress=self._progress_hook(resolved, dataset, digest),
            )
        log.info("scoring %s: the worker ran with %s", resolved.uri, scores.sandbox or "?")
        values = np.asarray(scores.values, dtype=np.float64)
        classes = None if dataset.classes is None else scores.classes
        if self.cache is not None:
            meta: dict[str, Any] = {
                "uri": resolved.uri, "name": resolved.name, "version": resolved.version,
            }  # fmt: skip
            if classes is not None:
                meta["classes"] = [_json_label(c) for c in classes]
            self.cache.put(key, values, scores.kind, scores.note, meta)
        return _scored(resolved, values, scores.kind, scores.note, checksum, False, classes)

    def _progress_hook(
        self, resolved: ResolvedModel, dataset: EvalDataset, digest: str | None
    ) -> Callable[[int, int], None] | None:
        """Progress to the caller's hook and, at most every PROGRESS_EVERY s, the job record."""
        hook, results = self.progress, self.results
        if hook is None and (results is None or digest is None):
            return None
        last = [0.0]
        subjects = (ModelKey.of_resolved(resolved).uri,)

        def report(done: int, total: int) -> None:
            if hook is not None:
                hook(resolved.uri, done, total)
            now = time.monotonic()
            if results is not None and digest is not None and now - last[0] >= PROGRESS_EVERY:
                last[0] = now
                fp = dataset.fingerprint
                results.record(digest, "scoring", subjects, "running", done, total, None, fp)

        return report


def _scored(
    resolved: ResolvedModel,
    values: npt.NDArray[np.float64],
    kind: str,
    note: str | None,
    checksum: str,
    from_cache: bool,
    classes: tuple[Any, ...] | None = None,
) -> ScoredModel:
    values = np.asarray(values, dtype=np.float64)
    key = ModelKey.of_resolved(resolved)
    digest = scores_digest(values, kind, classes)
    return ScoredModel(key, resolved, values, kind, note, checksum, from_cache, digest, classes)


def _fits(values: npt.NDArray[np.float64], dataset: EvalDataset) -> bool:
    """Whether cached scores have the shape the test set needs: (n,), or (n, K) multiclass."""
    if values.shape[0] != dataset.n:
        return False
    return values.ndim == (1 if dataset.classes is None else 2)


def _classes(meta: Mapping[str, Any]) -> tuple[Any, ...] | None:
    classes = meta.get("classes")
    return None if classes is None else tuple(classes)


def _json_label(value: Any) -> Any:
    """A class label as JSON keeps it (numbers, text, booleans; anything else as text)."""
    value = value.item() if isinstance(value, np.generic) else value
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


def _since(started: float) -> float:
    return time.monotonic() - started

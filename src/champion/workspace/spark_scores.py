"""Scores of a registered model version on a Spark test set: computed once per test set on the
cluster with MLflow's Spark UDF, kept as Parquet, then read from there.

Before the cluster runs a model, champion's own scoring worker probes it on the test set's
first rows (the smallest row ids): that applies the loading policy and the signature check in
a sandbox, and tells how the model answers (probabilities or labels only, its classes). The
UDF is then built to give the same scores, the whole test set is scored, and before the table
is kept the probe rows' Spark scores must equal the worker's (to 1e-9): a model that answers
differently through MLflow's python_function flavour than through its native one is refused
rather than evaluated on other numbers than the in-memory engine would use.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from champion.errors import ModelError
from champion.models.artifact import ModelArtifact, inspect_model_dir
from champion.models.refs import ResolvedModel
from champion.models.registry import RegistryClient
from champion.models.scoring import Scores, score_model
from champion.models.spark_udf import (
    is_connect_session,
    prepare_model_copy,
    spark_scoring_udf,
)
from champion.spark.rows import ROW_ID, SparkTestSet, sample_rows
from champion.spark.scoring import (
    SCORE,
    SCORES,
    ClassProbabilities,
    LabelIs,
    ParquetScores,
    ProbabilityAt,
    ScoreOutput,
    read_scores,
    score_column,
    scores_of_rows,
)
from champion.workspace.keys import ModelKey
from champion.workspace.scores import ScoringPolicy

log = logging.getLogger("champion.workspace")

Task = Literal["binary", "multiclass"]
PROBE_ROWS = 1000
TOLERANCE = 1e-9  # largest difference allowed between the worker's and Spark's probe scores
_FORMAT = 1  # of the model digest: bump when what a stored table holds changes
# flavours whose python_function wrapper exposes predict_proba (mlflow.sklearn's)
_PROBA_LOADERS = ("mlflow.sklearn",)


@dataclass(frozen=True)
class SparkScored:
    """One model's scores on one Spark test set, kept as Parquet at ``path``: (ROW_ID, "score")
    with the positive class's probability (kind "probability") or 1.0 / 0.0 for the predicted
    label (kind "label"); multiclass: (ROW_ID, "scores"), one probability per class in the order
    of ``classes`` (the model's own). note: what the reader should know, or None."""

    key: ModelKey
    resolved: ResolvedModel
    path: str
    kind: str
    classes: tuple[Any, ...] | None
    note: str | None
    from_cache: bool

    @property
    def labels_only(self) -> bool:
        return self.kind == "label"

    def frame(self, spark: Any) -> Any:
        """The scores as a Spark DataFrame (ROW_ID, "score") or (ROW_ID, "scores")."""
        return read_scores(spark, self.path)


@dataclass(frozen=True)
class _Plan:
    """How the UDF answers as the probe did: the python_function method it calls, and how its
    result becomes the score."""

    predict_fn: str
    output: ScoreOutput


class SparkScorer:
    """Scores resolved model versions on Spark test sets through a ParquetScores store."""

    def __init__(
        self,
        registry: RegistryClient,
        store: ParquetScores,
        policy: ScoringPolicy,
        probe_rows: int = PROBE_ROWS,
    ) -> None:
        self.registry = registry
        self.store = store
        self.policy = policy
        self.probe_rows = max(1, int(probe_rows))

    def digest(
        self, resolved: ResolvedModel, pos_label: Any, task: Task, exclude: Sequence[str] = ()
    ) -> str:
        """The key of a model's scores on any test set: the registry, the model's identity,
        the positive label, the task, and the columns kept from the model (a model without a
        signature is given every other column)."""
        parts = [
            _FORMAT,
            self.registry.tracking_uri,
            resolved.identity,
            repr(pos_label),
            task,
            sorted(exclude),
        ]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()

    def score(
        self,
        resolved: ResolvedModel,
        test_set: SparkTestSet,
        *,
        pos_label: Any,
        task: Task = "binary",
        exclude: Sequence[str] = (),
    ) -> SparkScored:
        """The model's scores on every row of test_set: read from the store when it has them,
        else computed on the cluster and stored (see the module docstring).

        exclude: columns that are not features (the target, weights); ROW_ID never is.
        Raises ModelError (refused by policy, failed, or scoring differently on Spark than in
        champion's worker) or DataError (the test set does not fit the model's signature).
        """
        spark = test_set.frame.sparkSession
        digest = self.digest(resolved, pos_label, task, exclude)
        path = self.store.path(test_set.fingerprint, digest)
        if self.store.exists(spark, path):
            meta = self.store.meta(spark, path)
            log.info("Spark scores of %s: read from %s", resolved.uri, path)
            return _scored(resolved, path, meta, from_cache=True)
        self.policy.check_source(resolved)  # before anything is downloaded
        with tempfile.TemporaryDirectory(prefix="champion-spark-model-") as tmp:
            meta = self._score_on_cluster(
                resolved, test_set, path, Path(tmp), pos_label, task, exclude
            )
        log.info("Spark scores of %s: %d rows written to %s", resolved.uri, test_set.n, path)
        return _scored(resolved, path, meta, from_cache=False)

    def _score_on_cluster(
        self,
        resolved: ResolvedModel,
        test_set: SparkTestSet,
        path: str,
        work: Path,
        pos_label: Any,
        task: Task,
        exclude: Sequence[str],
    ) -> dict[str, Any]:
        """Download, probe, build the UDF, score every row and keep the table at path (only
        when the probe rows agree); the table's description."""
        policy = self.policy
        model_dir = self.registry.download(resolved, work / "download")
        artifact = inspect_model_dir(model_dir)
        features = model_features(artifact, test_set, exclude)
        sample = sample_rows(test_set, self.probe_rows)
        # the loading policy and the signature check run inside score_model, in its sandbox
        probe = score_model(
            model_dir,
            sample[list(features)],
            pos_label=pos_label,
            trusted_types=policy.trusted_types,
            allow_pickle=policy.allow_pickle,
            timeout=policy.timeout,
            model_label=resolved.uri,
            task=task,
        )
        plan = _plan(artifact, probe, pos_label, task, resolved.uri)
        copy = prepare_model_copy(
            model_dir, work, plan.predict_fn, trusted_types=policy.trusted_types
        )
        udf = spark_scoring_udf(
            test_set.frame.sparkSession,
            copy,
            plan.output.result_type,
            trusted_types=policy.trusted_types,
            allow_pickle=policy.allow_pickle,
            model_label=resolved.uri,
        )
        scored = score_column(test_set.frame, udf, features, plan.output)
        ids = sample[ROW_ID].to_numpy(dtype=np.int64)
        column = SCORES if isinstance(plan.output, ClassProbabilities) else SCORE

        def verify(written: Any) -> None:
            found = scores_of_rows(written, int(ids[-1]))  # the probe rows: the smallest ids
            check_probe(resolved.uri, ids, probe.values, found, column)

        meta = {
            "uri": resolved.uri,
            "identity": resolved.identity,
            "kind": probe.kind,
            "classes": _json_classes(probe.classes),
            "note": probe.note,
            "task": task,
            "pos_label": repr(pos_label),
            "features": list(features),
            "predict_fn": plan.predict_fn,
            "output": repr(plan.output),
            "rows": test_set.n,
        }
        try:
            self.store.write(scored, path, meta=meta, verify=verify)
        except ModelError as exc:
            hint = _unreachable_copy_hint(str(exc), copy, test_set.frame.sparkSession)
            raise ModelError(f"model {resolved.uri!r}: {exc}{hint}") from None
        return meta


def _unreachable_copy_hint(message: str, copy: Path, spark: Any) -> str:
    """What to do when, over Spark Connect, the executors could not open the model folder
    prepared on this machine (they load it from the same path), else ""."""
    if not is_connect_session(spark):
        return ""
    missing = (str(copy), "No such file", "No such artifact")  # what MLflow says of it
    if not any(text in message for text in missing):
        return ""
    return (
        f". Over Spark Connect the executors load the model from {str(copy)!r}, where this "
        "machine prepared it: on a remote cluster put the temporary folder on storage mounted "
        "at the same path on the executors (TMPDIR=/mnt/shared/tmp), see docs/spark.md"
    )


def _scored(
    resolved: ResolvedModel, path: str, meta: dict[str, Any], *, from_cache: bool
) -> SparkScored:
    classes = meta.get("classes")
    return SparkScored(
        key=ModelKey.of_resolved(resolved),
        resolved=resolved,
        path=path,
        kind=str(meta.get("kind", "probability")),
        classes=None if classes is None else tuple(classes),
        note=meta.get("note"),
        from_cache=from_cache,
    )


def model_features(
    artifact: ModelArtifact, test_set: SparkTestSet, exclude: Sequence[str] = ()
) -> tuple[str, ...]:
    """The columns given to the model: its signature's named inputs, in its order (those the
    test set has: the probe's signature check reports a missing required one), else every
    column of the test set but exclude and ROW_ID."""
    schema = artifact.input_schema
    if schema and all(spec.name is not None for spec in schema):
        present = set(test_set.columns)
        return tuple(str(s.name) for s in schema if s.name in present)
    dropped = {*exclude, ROW_ID}
    return tuple(c for c in test_set.columns if c not in dropped)


def _plan(artifact: ModelArtifact, probe: Scores, pos_label: Any, task: Task, label: str) -> _Plan:
    """The UDF that answers as the probe did. A scikit-learn model the worker read through
    predict_proba (it has classes) is asked for predict_proba; any other model keeps its own
    predict_fn, and its output is read as champion.models.worker.interpret_output reads a
    pyfunc's: a row of class probabilities (the pos_label's column), one probability (the only
    element), or a label."""
    proba = (
        artifact.loader_module in _PROBA_LOADERS
        and probe.kind == "probability"
        and probe.classes is not None
    )
    predict_fn = "predict_proba" if proba else (artifact.predict_fn or "predict")
    if task == "multiclass":
        if probe.kind != "probability":
            raise ModelError(
                f"model {label!r} predicts labels only; champion scores multiclass labels-only "
                "models in memory, not on Spark yet."
            )
        return _Plan(predict_fn, ClassProbabilities())
    if probe.kind == "label":
        return _Plan(predict_fn, LabelIs(_label_text(pos_label)))
    if probe.classes is None:
        # one probability per row (a one-element array) or two columns without names, where
        # the worker takes column 1: the last element either way
        return _Plan(predict_fn, ProbabilityAt(-1))
    index = _position(probe.classes, pos_label)
    if index is None:
        listed = ", ".join(repr(c) for c in probe.classes)
        raise ModelError(f"pos_label {pos_label!r} is not one of the model's classes ({listed}).")
    return _Plan(predict_fn, ProbabilityAt(index))


def check_probe(
    label: str,
    ids: npt.NDArray[np.int64],
    expected: npt.NDArray[np.float64],
    found: Any,
    column: str,
) -> None:
    """ModelError unless Spark's scores of the probe rows (found: pandas ROW_ID, column,
    ordered by ROW_ID) equal the worker's (expected: (n,) or (n, K), in the order of ids) to
    TOLERANCE."""
    got_ids = found[ROW_ID].to_numpy(dtype=np.int64)
    if got_ids.shape != ids.shape or not np.array_equal(got_ids, ids):
        raise ModelError(
            f"Spark returned scores for {len(got_ids)} of the {len(ids)} probe rows; the "
            "test set changed while it was scored? Read it again and retry."
        )
    values = found[column].to_list()
    try:
        spark_values = np.asarray(
            [np.nan if v is None else v for v in values], dtype=np.float64
        ).reshape(expected.shape)
    except (TypeError, ValueError):
        raise ModelError(
            f"on Spark the model returns {column} of another shape than champion's scoring "
            f"worker ({expected.shape[1:] or 'one value'} per row); it cannot be scored on Spark."
        ) from None
    gap = np.abs(spark_values - expected).reshape(len(ids), -1)
    per_row = np.where(np.isnan(gap), np.inf, gap).max(axis=1)  # a missing score never matches
    worst = float(per_row.max())
    if worst <= TOLERANCE:
        return
    row = int(np.argmax(per_row))
    largest = "a missing score" if math.isinf(worst) else f"{worst:.3g}"
    raise ModelError(
        "on Spark the model scores the test set differently than champion's scoring worker: "
        f"on the {len(ids)} probe rows the largest difference is {largest} (row id "
        f"{int(ids[row])}: worker {_shown(expected[row])}, Spark {_shown(spark_values[row])}). "
        "MLflow's python_function flavour of this model does not return what its native "
        "flavour does (e.g. labels instead of probabilities); log it with mlflow.sklearn, or as "
        "a python_function model that returns the probabilities."
    )


def _shown(value: Any) -> str:
    """A score, or a row of class probabilities, for a message."""
    return str(np.round(np.asarray(value, dtype=np.float64), 6).tolist())


def _label_text(pos_label: Any) -> str:
    """pos_label as MLflow's Spark UDF writes a predicted label: str() of its value."""
    value = pos_label.item() if isinstance(pos_label, np.generic) else pos_label
    return str(value)


def _position(classes: Sequence[Any], pos_label: Any) -> int | None:
    """Index of pos_label among the classes: an equal value first, else equal text ("1" ~ 1),
    as champion.models.worker finds it."""
    exact = [i for i, c in enumerate(classes) if _same(c, pos_label)]
    if len(exact) == 1:
        return exact[0]
    text = [i for i, c in enumerate(classes) if str(c) == str(pos_label)]
    return text[0] if len(text) == 1 else None


def _same(value: Any, pos_label: Any) -> bool:
    try:
        return bool(value == pos_label)
    except (TypeError, ValueError):
        return False


def _json_classes(classes: tuple[Any, ...] | None) -> list[Any] | None:
    """Classes as JSON keeps them (numbers, text, booleans; anything else as text)."""
    if classes is None:
        return None
    plain = [c.item() if isinstance(c, np.generic) else c for c in classes]
    return [c if c is None or isinstance(c, str | int | float | bool) else str(c) for c in plain]

"""Logging and registering the demo's models in its own local MLflow store.

It lives in ``champion.models`` because this package is the only one that imports MLflow; the
demo (``champion.demo``) is its only caller. Promotions and rollbacks are not made here.

Models are logged the quick way: explicit ``pip_requirements`` (MLflow would otherwise infer them
in a subprocess), no ``input_example`` (MLflow would load the model to validate it), skops
serialization with the tree types declared, and an experiment with an explicit
``artifact_location`` (a sqlite store would otherwise write ``./mlruns`` in the current
directory). MLflow's fluent API (needed by ``log_model``) points at the store only while a model
is logged; its global URIs and the ``MLFLOW_*_URI`` variables are restored afterwards.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import mlflow
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature

from champion.errors import RegistryError

KIND_TAG = "champion.demo"
#: The skops type a tree ensemble's file holds beyond skops' defaults (champion trusts it).
TREE_TYPES = ("sklearn.tree._tree.Tree",)
PIP_REQUIREMENTS = ("mlflow", "scikit-learn", "pandas", "numpy", "skops")
_NOISY_LOGGERS = ("mlflow", "alembic")


@dataclass(frozen=True)
class ModelSpec:
    """One model the demo trains: its kind (``champion.demo`` tag), the version description,
    a factory of the unfitted scikit-learn classifier, and the skops types its file holds."""

    kind: str
    description: str
    make: Callable[[], Any]
    trusted_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExistingVersion:
    """A registered version carrying the ``champion.demo`` tag: its kind, version and tags."""

    kind: str
    version: str
    tags: Mapping[str, str]


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence MLflow's advice (warnings, INFO logs, "View run" prints) for the block."""
    loggers = [logging.getLogger(name) for name in _NOISY_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@contextlib.contextmanager
def fluent_uri(uri: str) -> Iterator[None]:
    """Point MLflow's fluent API (tracking and registry) at uri for the block only."""
    from mlflow.tracking._model_registry import utils as registry_utils
    from mlflow.tracking._tracking_service import utils as tracking_utils

    names = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")
    saved_env = {name: os.environ.get(name) for name in names}
    saved = (tracking_utils._tracking_uri, registry_utils._registry_uri)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(saved[0])  # type: ignore[arg-type]  # None unsets it
        registry_utils._registry_uri = saved[1]
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class DemoStore:
    """The demo's MLflow store: one experiment and one registered model, written to.

    tracking_uri: the store (used as registry too); artifact_dir: the experiment's artifact
    location (created by MLflow on first write). Every MLflow failure becomes a RegistryError.
    """

    def __init__(
        self, tracking_uri: str, artifact_dir: Path, experiment: str, model_name: str
    ) -> None:
        self.tracking_uri = tracking_uri
        self.model_name = model_name
        with self._guard("open the store"), _quiet():
            self._client = mlflow.MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
            found = self._client.get_experiment_by_name(experiment)
            self.experiment_id = str(
                found.experiment_id
                if found is not None
                else self._client.create_experiment(
                    experiment, artifact_location=artifact_dir.resolve().as_uri()
                )
            )

    @contextlib.contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        try:
            yield
        except MlflowException as exc:
            raise RegistryError(
                f"could not {action} in the demo store {self.tracking_uri}: {exc.message}. "
                "Delete the demo folder to start afresh."
            ) from exc

    def existing(self) -> dict[str, ExistingVersion]:
        """kind -> the lowest version tagged ``champion.demo=<kind>`` (empty if no model yet)."""
        with self._guard(f"list the versions of {self.model_name!r}"), _quiet():
            versions = self._client.search_model_versions(f"name = '{self.model_name}'")
        found: dict[str, ExistingVersion] = {}
        for mv in sorted(versions, key=lambda mv: int(mv.version)):
            tags = {str(k): str(v) for k, v in (mv.tags or {}).items()}
            kind = tags.get(KIND_TAG)
            if kind and kind not in found:
                found[kind] = ExistingVersion(kind, str(mv.version), MappingProxyType(tags))
        return found

    def has_model(self, name: str) -> bool:
        """Whether the store holds a registered model called name (this one or another)."""
        with self._guard(f"look for the registered model {name!r}"), _quiet():
            return bool(self._client.search_registered_models(f"name = '{name}'"))

    def ensure_model(self, description: str, tags: Mapping[str, str]) -> None:
        """Create the registered model (with description and tags) unless it exists."""
        with self._guard(f"create the registered model {self.model_name!r}"), _quiet():
            if not self._client.search_registered_models(f"name = '{self.model_name}'"):
                self._client.create_registered_model(
                    self.model_name, tags=dict(tags), description=description
                )

    def register(
        self,
        spec: ModelSpec,
        train: pd.DataFrame,
        features: Sequence[str],
        target: str,
        tags: Mapping[str, str],
    ) -> str:
        """Fit spec on train, log it in a run and register it as a new version; its number.

        The version gets the description of spec, ``champion.demo=<kind>`` and tags; its
        signature is inferred from the features (inputs) and P(target = 1) (output; every
        class's probability, in ``classes_`` order, for three or more classes).
        """
        x, y = train[list(features)], train[target]
        with _quiet():
            model = spec.make().fit(x, y)
            proba = model.predict_proba(x)
            signature = infer_signature(x, proba[:, 1] if proba.shape[1] == 2 else proba)
        params = {"kind": spec.kind, "estimator": type(model).__name__, "train_rows": len(x)}
        version_tags = {**tags, KIND_TAG: spec.kind}
        action = f"log and register the {spec.kind!r} model"
        with self._guard(action), _quiet(), fluent_uri(self.tracking_uri):
            with mlflow.start_run(experiment_id=self.experiment_id, run_name=spec.kind) as run:
                mlflow.log_params(params)
                mlflow.set_tags(version_tags)
                info = mlflow.sklearn.log_model(
                    model,
                    name="model",
                    signature=signature,
                    pip_requirements=list(PIP_REQUIREMENTS),
                    serialization_format="skops",
                    skops_trusted_types=list(spec.trusted_types) or None,
                )
            mv = self._client.create_model_version(
                self.model_name,
                source=info.model_uri,
                run_id=run.info.run_id,
                tags=version_tags,
                description=spec.description,
                model_id=info.model_id,
                await_creation_for=0,
            )
        return str(mv.version)

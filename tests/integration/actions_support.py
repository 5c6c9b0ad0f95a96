"""Real ``mlflow server`` processes and small registered models for the promote/rollback tests.

``actions_server`` (started with ``servers.start_server``, over its own sqlite file) is the
session's plain server for these tests (their own, so that the models they create and move do not
show up in the registry tests of the shared one). ``ModelKit`` logs three tiny scikit-learn
models once per server (a good one, a slightly different good one and one trained on inverted
labels) and registers fresh model names whose versions point at them.
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from champion.models.publishing import fluent_uri
from support.titanic import titanic_frame, write_titanic_csv

from .servers import RunningServer, start_server, stop_server

FEATURES = ["Pclass", "Sex", "Age", "Fare"]
TARGET = "Survived"


@pytest.fixture(scope="session")
def actions_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A plain ``mlflow server`` for the promote / rollback / history tests."""
    root = tmp_path_factory.mktemp("actions-server")
    server = start_server(root, root / "mlflow.db")
    try:
        yield server
    finally:
        stop_server(server)


def training_frame(seed: int) -> pd.DataFrame:
    """Synthetic Titanic passengers encoded as the ``titanic`` recipe does (no test rows)."""
    frame = titanic_frame(n=600, seed=seed)[[TARGET, *FEATURES]].copy()
    frame["Sex"] = frame["Sex"].map({"male": 0, "female": 1})
    return frame.dropna().astype("float64").assign(**{TARGET: lambda f: f[TARGET].astype(int)})


@pytest.fixture(scope="session")
def titanic_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Kaggle-format Titanic file; ``--recipe titanic`` keeps its 20% test part."""
    return write_titanic_csv(tmp_path_factory.mktemp("titanic") / "titanic.csv", n=891, seed=0)


@dataclass
class ModelKit:
    """Logged models on one server, and fresh registered models made of them."""

    tracking_uri: str
    sources: dict[str, str] = field(default_factory=dict)  # kind -> models:/<model_id>

    def log_models(self) -> None:
        """Log the "good", "good2" and "worse" classifiers (skops, with signatures)."""
        import mlflow
        from mlflow.models import infer_signature
        from sklearn.linear_model import LogisticRegression

        train = training_frame(seed=1)
        x, y = train[FEATURES], train[TARGET]
        fits = {
            "good": LogisticRegression(max_iter=1000).fit(x, y),
            "good2": LogisticRegression(max_iter=1000, C=0.05).fit(x, y),
            # taught the opposite of the truth: its ROC AUC is far below the others'
            "worse": LogisticRegression(max_iter=1000).fit(x, 1 - y),
        }
        client = mlflow.MlflowClient(self.tracking_uri)
        experiment = client.create_experiment(f"actions-{uuid.uuid4().hex[:8]}")
        with fluent_uri(self.tracking_uri), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for kind, model in fits.items():
                with mlflow.start_run(experiment_id=experiment, run_name=kind):
                    info = mlflow.sklearn.log_model(
                        model,
                        name="model",
                        signature=infer_signature(x, model.predict_proba(x)[:, 1]),
                        pip_requirements=["mlflow", "scikit-learn", "skops"],
                    )
                self.sources[kind] = info.model_uri

    def new_model(
        self, kinds: list[str], champion: str | None = "1", name: str = "promo-{}"
    ) -> str:
        """A new registered model whose version i+1 is the logged model ``kinds[i]``; its
        ``@champion`` alias set directly (outside champion) to ``champion``; name with "{}"
        standing for a fresh random part."""
        import mlflow

        name = name.format(uuid.uuid4().hex[:8])
        client = mlflow.MlflowClient(self.tracking_uri)
        client.create_registered_model(name)
        with fluent_uri(self.tracking_uri), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for kind in kinds:
                mlflow.register_model(self.sources[kind], name, await_registration_for=0)
        if champion is not None:
            client.set_registered_model_alias(name, "champion", champion)
        return name


@pytest.fixture(scope="session")
def kit(actions_server: RunningServer) -> ModelKit:
    """The three logged models on the session's actions server."""
    made = ModelKit(actions_server.url)
    made.log_models()
    return made


@pytest.fixture(scope="session")
def score_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One score cache for the session: each logged model is scored once on the test set."""
    return tmp_path_factory.mktemp("score-cache")

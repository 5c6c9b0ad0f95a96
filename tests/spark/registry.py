"""A registry and test set for the Spark tests that run champion as a user does (a fresh
Python, spark-submit, Spark Connect, object storage): two versions of a model in a sqlite
MLflow store (logistic regressions on two and on four features), a test set of ``rows`` rows
in two Parquet files, and a predictions table of two models' scores."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from click.testing import CliRunner

from champion.cli.main import champion as cli

FEATURES = ["age", "fare", "income", "visits"]
RUN_TIMEOUT = 600  # seconds a champion subprocess may take


@dataclass(frozen=True)
class Setup:
    tracking_uri: str
    model: str
    data: Path  # a folder of two Parquet files
    predictions: Path  # one Parquet file: labels and two models' scores
    cache: Path
    rows: int


def sample_rows(n: int, seed: int) -> pd.DataFrame:
    """n rows of the features and a binary target y (a coarse feature, so scores tie)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    logit = 0.9 * x[:, 0] - 0.6 * x[:, 1] + 0.3 * x[:, 2] * x[:, 3] + rng.normal(size=n)
    frame = pd.DataFrame(dict(zip(FEATURES, x.T, strict=True)))
    frame["visits"] = np.round(frame["visits"] * 3)
    frame["y"] = (logit > 0.4).astype("int64")
    return frame


def register_versions(root: Path, model: str, train_rows: int = 2000) -> str:
    """Two versions of model in a sqlite store under root (logistic regressions trained on
    train_rows rows: v1 on two features, v2 on all four); returns the tracking URI."""
    import mlflow
    from mlflow.models import infer_signature
    from sklearn.linear_model import LogisticRegression

    uri = f"sqlite:///{root / 'mlflow.db'}"
    train = sample_rows(train_rows, seed=1)
    client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.create_experiment(model, artifact_location=(root / "art").as_uri())
    mlflow.set_tracking_uri(uri)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for columns in (FEATURES[:2], FEATURES):
            x = train[columns]
            fitted = LogisticRegression(max_iter=1000).fit(x, train["y"])
            signature = infer_signature(x, fitted.predict_proba(x)[:, 1])
            with mlflow.start_run(experiment_id=experiment):
                info = mlflow.sklearn.log_model(fitted, name="model", signature=signature)
            mlflow.register_model(info.model_uri, model, await_registration_for=0)
    mlflow.set_tracking_uri(None)  # type: ignore[arg-type]
    return uri


def two_versions(root: Path, model: str, rows: int) -> Setup:
    """The store, the test set and the predictions table under root (see the module)."""
    uri = register_versions(root, model)
    data = root / "test-set"
    data.mkdir()
    test = sample_rows(rows, seed=2)
    test.iloc[: rows // 2].to_parquet(data / "part-0.parquet", index=False)
    test.iloc[rows // 2 :].to_parquet(data / "part-1.parquet", index=False)
    rng = np.random.default_rng(11)
    signal_ = test["y"].to_numpy() + rng.normal(size=rows)
    predictions = root / "predictions.parquet"
    pd.DataFrame(
        {
            "y": test["y"],
            "a": np.round(1 / (1 + np.exp(-0.6 * signal_)), 3),
            "b": 1 / (1 + np.exp(-(signal_ + 0.5 * rng.normal(size=rows)))),
        }
    ).to_parquet(predictions, index=False)
    return Setup(uri, model, data, predictions, root / "cache", rows)


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """champion run in a fresh Python (env: the whole environment, when given)."""
    return subprocess.run(
        [sys.executable, "-m", "champion", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
        env=env,
    )


def champion_json(*args: str | Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """champion's --format json answer, run in a fresh Python."""
    found = run(*args, env=env)
    assert found.returncode == 0, found.stderr[-4000:]
    answer: dict[str, Any] = json.loads(found.stdout)
    return answer


def in_memory(*args: str | Path) -> dict[str, Any]:
    """champion's --format json answer, run in this process (the in-memory engine)."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    answer: dict[str, Any] = json.loads(result.output)
    return answer

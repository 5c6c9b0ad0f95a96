"""Build real MLflow stores for the integration tests.

``build_titanic_like_store`` trains small classifiers on a synthetic Titanic-like table and
registers them as versions of the model ``titanic`` in whatever store ``tracking_uri`` points at
(a sqlite file or a running ``mlflow server``):

====  ==========================  =====================================================
 v    model                       logged with
====  ==========================  =====================================================
 1    LogisticRegression          ``mlflow.sklearn`` (skops)
 2    RandomForestClassifier      ``mlflow.sklearn`` (skops, trusts the sklearn Tree)
 3    GradientBoostingClassifier  ``mlflow.sklearn`` (skops, trusts the sklearn Tree)
 4    lightgbm.LGBMClassifier     ``mlflow.lightgbm`` (skops, the sklearn-API wrapper)
 5    labels-only rule            ``mlflow.pyfunc`` model-from-code, predicts 0/1 labels
 6    LogisticRegression          ``mlflow.sklearn``, trained on renamed columns, so its
                                  signature does not match the data
====  ==========================  =====================================================

Aliases: ``champion`` -> 1, ``challenger`` -> 2. Every version has a signature: inputs are the
four features as ``double``; the output is P(Survived = 1) as ``double`` (v1-4, v6) or the 0/1
label as ``long`` (v5). Note that the ``python_function`` flavor of v1-4 and v6 predicts labels
(``predict``); scores come from the native flavor's ``predict_proba``.

The helpers set MLflow's global tracking URI only for the duration of the build and restore it.
``pip_requirements`` are given explicitly so that MLflow does not spend seconds inferring them in
a subprocess, and no ``input_example`` is logged (MLflow would load each model to validate it).
"""

from __future__ import annotations

import tempfile
import textwrap
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from champion.models.publishing import fluent_uri

MODEL_NAME = "titanic"
FEATURES = ("Pclass", "Sex", "Age", "Fare")
TARGET = "Survived"
RENAMED = {"Pclass": "ticket_class", "Sex": "is_female", "Age": "age_years", "Fare": "fare_paid"}
TREE_TRUSTED = ["sklearn.tree._tree.Tree"]

LABELS_MODEL_CODE = textwrap.dedent(
    '''
    """A rule that predicts hard 0/1 labels and no scores: women and first class survive."""

    import mlflow
    import numpy as np
    from mlflow.pyfunc import PythonModel


    class LabelsOnly(PythonModel):
        def predict(self, context, model_input, params=None):
            survived = (model_input["Sex"] == 1) | (model_input["Pclass"] == 1)
            return np.asarray(survived, dtype="int64")


    mlflow.models.set_model(LabelsOnly())
    '''
)


def make_titanic_like(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """A seeded synthetic table: Pclass, Sex (male 0, female 1), Age, Fare and Survived (0/1).

    The encoding is the ``titanic`` recipe's (``champion.data.recipes``); features are float64.
    """
    rng = np.random.default_rng(seed)
    pclass = rng.choice(np.array([1, 2, 3], dtype="int64"), size=n, p=[0.25, 0.2, 0.55])
    sex = rng.integers(0, 2, size=n, dtype="int64")
    age = np.clip(rng.normal(30.0, 13.0, size=n), 0.5, 80.0).round(1)
    fare = (rng.lognormal(mean=4.2 - 0.8 * (pclass - 1), sigma=0.5)).round(2)
    logit = -0.4 + 2.3 * sex - 0.9 * (pclass - 2) - 0.02 * (age - 30.0) + 0.004 * fare
    survived = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype("int64")
    features = {"Pclass": pclass, "Sex": sex, "Age": age, "Fare": fare}
    # float features: the signatures say "double", which accepts int and float columns alike
    frame = pd.DataFrame({k: np.asarray(v, dtype="float64") for k, v in features.items()})
    frame[TARGET] = survived
    return frame


@dataclass(frozen=True)
class BuiltStore:
    """What ``build_titanic_like_store`` created, for the tests to check against."""

    tracking_uri: str
    model_name: str
    train: pd.DataFrame
    test: pd.DataFrame
    versions: dict[str, str] = field(default_factory=dict)  # kind -> version
    run_ids: dict[str, str] = field(default_factory=dict)  # version -> run id
    model_ids: dict[str, str] = field(default_factory=dict)  # version -> logged model id
    aliases: dict[str, str] = field(default_factory=dict)  # alias -> version
    experiment_id: str = ""


# the product's own helper: point MLflow's fluent API at a store for a block, then restore it
using_tracking_uri = fluent_uri


def _requirements(*extra: str) -> list[str]:
    return ["mlflow", "scikit-learn", "pandas", "numpy", "skops", *extra]


def build_titanic_like_store(
    tracking_uri: str, artifact_dir: Path | None = None, *, seed: int = 0
) -> BuiltStore:
    """Train and register the six ``titanic`` versions (see the module docstring).

    ``artifact_dir`` becomes the experiment's ``artifact_location`` (needed for a sqlite store,
    else MLflow writes ``./mlruns`` in the working directory); leave it ``None`` for a tracking
    server with ``--serve-artifacts``, which then stores the artifacts itself.
    """
    import lightgbm
    import mlflow
    from mlflow.models import infer_signature
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    data = make_titanic_like(seed=seed)
    train, test = data.iloc[:280].reset_index(drop=True), data.iloc[280:].reset_index(drop=True)
    x, y = train[list(FEATURES)], train[TARGET]

    client = mlflow.MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    location = artifact_dir.resolve().as_uri() if artifact_dir is not None else None
    experiment_id = client.create_experiment("titanic-like", artifact_location=location)
    built = BuiltStore(
        tracking_uri=tracking_uri,
        model_name=MODEL_NAME,
        train=train,
        test=test,
        experiment_id=experiment_id,
    )
    client.create_registered_model(MODEL_NAME, description="Synthetic Titanic survival models.")

    def register(kind: str, log: Any, description: str) -> None:
        with mlflow.start_run(experiment_id=experiment_id, run_name=kind) as run:
            mlflow.log_param("kind", kind)
            info = log()
        mv = mlflow.register_model(info.model_uri, MODEL_NAME, await_registration_for=0)
        client.update_model_version(MODEL_NAME, mv.version, description=description)
        client.set_model_version_tag(MODEL_NAME, mv.version, "kind", kind)
        built.versions[kind] = str(mv.version)
        built.run_ids[str(mv.version)] = run.info.run_id
        built.model_ids[str(mv.version)] = info.model_id

    def sklearn_logger(model: Any, frame: pd.DataFrame, trusted: list[str] | None = None) -> Any:
        fitted = model.fit(frame, y)
        signature = infer_signature(frame, fitted.predict_proba(frame)[:, 1])
        return lambda: mlflow.sklearn.log_model(
            fitted,
            name="model",
            signature=signature,
            pip_requirements=_requirements(),
            skops_trusted_types=trusted,
        )

    with using_tracking_uri(tracking_uri), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLflow's integer-column and type-hint advice
        register(
            "logistic_regression",
            sklearn_logger(LogisticRegression(max_iter=1000), x),
            "Logistic regression on the four features.",
        )
        register(
            "random_forest",
            sklearn_logger(
                RandomForestClassifier(n_estimators=20, random_state=0), x, TREE_TRUSTED
            ),
            "Random forest, 20 trees.",
        )
        register(
            "gradient_boosting",
            sklearn_logger(
                GradientBoostingClassifier(n_estimators=20, random_state=0), x, TREE_TRUSTED
            ),
            "Gradient boosting, 20 stages.",
        )
        lgbm = lightgbm.LGBMClassifier(n_estimators=20, random_state=0, verbose=-1).fit(x, y)
        register(
            "lightgbm",
            lambda: mlflow.lightgbm.log_model(
                lgbm,
                name="model",
                signature=infer_signature(x, lgbm.predict_proba(x)[:, 1]),
                pip_requirements=_requirements("lightgbm"),
            ),
            "LightGBM through its scikit-learn API (mlflow.lightgbm, skops format).",
        )
        register(
            "labels_only",
            lambda: _log_labels_only(x),
            "A rule that outputs 0/1 labels only, no scores.",
        )
        register(
            "renamed_columns",
            sklearn_logger(LogisticRegression(max_iter=1000), x.rename(columns=RENAMED)),
            "Trained on renamed columns: its signature does not match the data.",
        )
        client.set_registered_model_alias(
            MODEL_NAME, "champion", built.versions["logistic_regression"]
        )
        client.set_registered_model_alias(MODEL_NAME, "challenger", built.versions["random_forest"])
    built.aliases.update(
        champion=built.versions["logistic_regression"], challenger=built.versions["random_forest"]
    )
    return built


def _log_labels_only(x: pd.DataFrame) -> Any:
    """Log the labels-only rule as an MLflow 3 model-from-code (the code file, no pickle)."""
    import mlflow
    from mlflow.models import infer_signature

    labels = ((x["Sex"] == 1) | (x["Pclass"] == 1)).astype("int64").to_numpy()
    with tempfile.TemporaryDirectory() as tmp:
        code_file = Path(tmp) / "labels_only_model.py"
        code_file.write_text(LABELS_MODEL_CODE)
        return mlflow.pyfunc.log_model(
            name="model",
            python_model=str(code_file),
            signature=infer_signature(x, labels),
            pip_requirements=["mlflow", "pandas", "numpy"],
        )

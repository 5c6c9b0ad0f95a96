"""Scoring a multiclass model: every class's probability (n, K) in the model's class order, for
scikit-learn, a native LightGBM booster and pyfunc models; labels-only models one-hot; a binary
model's single probability refused with what to do."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import cloudpickle
import lightgbm as lgb
import mlflow.lightgbm
import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from champion.errors import ModelError
from champion.models import scoring, worker
from champion.models.multiclass_output import MULTICLASS_LABELS_NOTE, interpret_multiclass
from champion.models.scoring import score_model

REQS = ["scikit-learn"]
cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the worker cannot import tests/


class SpeciesLabels(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        a = model_input["a"].to_numpy()
        return np.where(a > 0.5, "gentoo", np.where(a < -0.5, "adelie", "chinstrap"))


class OneProbability(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        return np.full(len(model_input), 0.25)


class NamedColumns(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        n = len(model_input)
        return pd.DataFrame({"b": np.full(n, 0.2), "a": np.full(n, 0.5), "c": np.full(n, 0.3)})


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(3)
    x = pd.DataFrame({"a": rng.normal(size=180), "b": rng.normal(size=180)})
    y = np.select([x["a"] > 0.4, x["a"] < -0.4], ["gentoo", "adelie"], "chinstrap")
    return x, y


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory, data: Any) -> dict[str, Any]:
    x, y = data
    root = tmp_path_factory.mktemp("multiclass")
    codes = pd.Series(y).map({"adelie": 0, "chinstrap": 1, "gentoo": 2}).to_numpy()
    fitted = {
        "lr": LogisticRegression(max_iter=500).fit(x, y),
        "booster": lgb.train(
            {"objective": "multiclass", "num_class": 3, "verbose": -1}, lgb.Dataset(x, codes), 5
        ),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlflow.sklearn.save_model(fitted["lr"], root / "lr", pip_requirements=REQS)
        mlflow.lightgbm.save_model(fitted["booster"], root / "booster", pip_requirements=REQS)
        for name, model in (
            ("labels", SpeciesLabels()),
            ("one", OneProbability()),
            ("named", NamedColumns()),
        ):
            mlflow.pyfunc.save_model(root / name, python_model=model, pip_requirements=REQS)
    return {"root": root, "fitted": fitted}


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker's code in this process (for outputs; isolation has its own tests)."""
    monkeypatch.setenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "true")

    def run(work: Path, *_args: Any, **_kwargs: Any) -> tuple[int, str]:
        return worker.main([str(work / "job.json")]), ""

    monkeypatch.setattr(scoring, "_run_worker", run)


def score(saved: dict[str, Any], name: str, x: pd.DataFrame, **kwargs: Any) -> Any:
    return score_model(
        saved["root"] / name, x, pos_label="gentoo", model_label=name, task="multiclass", **kwargs
    )


def test_a_real_worker_returns_every_class_probability(saved: dict[str, Any], data: Any) -> None:
    x = data[0]
    lr = saved["fitted"]["lr"]
    scores = score(saved, "lr", x, chunk_rows=70)  # three chunks
    np.testing.assert_array_equal(scores.values, lr.predict_proba(x))
    assert scores.values.shape == (len(x), 3)
    assert scores.classes == ("adelie", "chinstrap", "gentoo")
    assert scores.kind == "probability"


@pytest.mark.usefixtures("in_process")
def test_a_native_booster_has_classes_zero_to_k(saved: dict[str, Any], data: Any) -> None:
    x = data[0]
    scores = score(saved, "booster", x)
    np.testing.assert_array_equal(scores.values, saved["fitted"]["booster"].predict(x))
    assert scores.classes == (0, 1, 2)


@pytest.mark.usefixtures("in_process")
def test_pyfunc_labels_become_one_hot_and_named_columns_name_the_classes(
    saved: dict[str, Any], data: Any
) -> None:
    x = data[0]
    labels = score(saved, "labels", x, allow_pickle=True)
    assert labels.kind == "label"
    assert labels.classes == ("adelie", "chinstrap", "gentoo")  # seen, sorted
    assert labels.note is not None
    assert MULTICLASS_LABELS_NOTE in labels.note
    predicted = np.asarray(labels.classes)[labels.values.argmax(axis=1)]
    expected = np.where(x["a"] > 0.5, "gentoo", np.where(x["a"] < -0.5, "adelie", "chinstrap"))
    np.testing.assert_array_equal(predicted, expected)
    assert np.all(labels.values.sum(axis=1) == 1.0)
    named = score(saved, "named", x, allow_pickle=True)
    assert named.classes == ("b", "a", "c")
    np.testing.assert_array_equal(named.values[0], [0.2, 0.5, 0.3])


@pytest.mark.usefixtures("in_process")
def test_a_binary_models_single_probability_is_refused(saved: dict[str, Any], data: Any) -> None:
    with pytest.raises(ModelError, match="one probability per row, as a binary classifier"):
        score(saved, "one", data[0], allow_pickle=True)


@pytest.mark.parametrize(
    ("output", "classes", "message"),
    [
        (np.full((4, 3), 0.3), None, "3 columns per row and no class names"),
        (np.full((4, 3), 0.3), ["a", "b"], "3 columns per row and 2 class names"),
        (np.full((4, 2), 1.5), ["a", "b"], r"numbers in \[0, 1\]; it returned 1.5"),
        (np.full((4, 2), np.nan), ["a", "b"], "numbers in"),
        (np.full((4, 2), 0.5), ["a", "a"], "lists a class twice"),
        (np.array(["x", "y"]), ["x", "z"], "labels that are not among its classes: 'y'"),
        (np.zeros((2, 2, 2)), None, r"array of shape \(2, 2, 2\)"),
    ],
)
def test_outputs_that_are_not_class_probabilities_are_refused(
    output: Any, classes: Any, message: str
) -> None:
    with pytest.raises(ModelError, match=message):
        interpret_multiclass(output, classes)


def test_labels_with_known_classes_keep_the_models_order() -> None:
    values, kind, classes, _ = interpret_multiclass(np.array([2, 0, 2]), np.array([2, 1, 0]))
    assert (kind, classes) == ("label", (2, 1, 0))
    np.testing.assert_array_equal(values, [[1, 0, 0], [0, 0, 1], [1, 0, 0]])
    # whole-number floats are labels too
    values, kind, _, _ = interpret_multiclass(np.array([1.0, 3.0]), [1, 2, 3])
    assert kind == "label"
    np.testing.assert_array_equal(values, [[1, 0, 0], [0, 0, 1]])

"""Reading MLmodel files, champion's loading policy and the signature check (no worker process)."""

from __future__ import annotations

import importlib
import importlib.util
import operator
import warnings
from pathlib import Path

import lightgbm as lgb
import mlflow.lightgbm
import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
import pandas as pd
import pytest
import skops.io
from mlflow.models import infer_signature
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    VotingClassifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from champion.errors import DataError, ModelError
from champion.models.artifact import ColumnSpec, inspect_model_dir
from champion.models.safety import DEFAULT_TRUSTED_TYPES, check_loadable
from champion.models.signature import NO_SIGNATURE_NOTE, check_against_signature

Data = tuple[pd.DataFrame, pd.Series]
REQS = ["scikit-learn"]  # skips MLflow's requirement inference (a subprocess per save)


class ConstantModel(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        return np.zeros(len(model_input))


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(0)
    x = pd.DataFrame(
        {"a": rng.normal(size=120), "b": rng.integers(0, 5, size=120), "c": rng.normal(size=120)}
    )
    return x, (x["a"] + rng.normal(scale=0.5, size=120) > 0).astype(int)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory, data: Data) -> dict[str, Path]:
    x, y = data
    root = tmp_path_factory.mktemp("models")
    lr = LogisticRegression().fit(x, y)
    rf = RandomForestClassifier(n_estimators=3, random_state=0).fit(x, y)
    neg = make_pipeline(FunctionTransformer(operator.neg), LogisticRegression()).fit(x, y)
    booster = lgb.train({"objective": "binary", "verbose": -1}, lgb.Dataset(x, y), 3)
    lgbm = lgb.LGBMClassifier(n_estimators=3, verbose=-1).fit(x, y)
    out = {name: root / name for name in ("lr", "lr_pkl", "lr_cp", "rf", "neg", "code")}
    out |= {name: root / name for name in ("booster", "lgbm", "pyfunc")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        signature = infer_signature(x, lr.predict_proba(x))
        mlflow.sklearn.save_model(lr, out["lr"], signature=signature, pip_requirements=REQS)
        mlflow.sklearn.save_model(
            lr, out["lr_pkl"], serialization_format="pickle", pip_requirements=REQS
        )
        mlflow.sklearn.save_model(
            lr,
            out["lr_cp"],
            serialization_format="cloudpickle",
            pyfunc_predict_fn="predict_proba",
            pip_requirements=REQS,
        )
        # MLflow refuses to save a tree model as skops unless the author trusts Tree
        mlflow.sklearn.save_model(
            rf, out["rf"], skops_trusted_types=["sklearn.tree._tree.Tree"], pip_requirements=REQS
        )
        mlflow.sklearn.save_model(
            neg, out["neg"], skops_trusted_types=["_operator.neg"], pip_requirements=REQS
        )
        helper = root / "helper.py"
        helper.write_text("X = 1\n")
        mlflow.sklearn.save_model(lr, out["code"], code_paths=[str(helper)], pip_requirements=REQS)
        mlflow.lightgbm.save_model(booster, out["booster"], pip_requirements=REQS)
        mlflow.lightgbm.save_model(lgbm, out["lgbm"], pip_requirements=REQS)
        mlflow.pyfunc.save_model(out["pyfunc"], python_model=ConstantModel(), pip_requirements=REQS)
    return out


# ---- inspect_model_dir ---------------------------------------------------------------------


def test_sklearn_skops_with_signature(models: dict[str, Path]) -> None:
    art = inspect_model_dir(models["lr"])
    assert set(art.flavors) == {"python_function", "sklearn"}
    assert (art.flavor, art.serialization_format) == ("sklearn", "skops")
    assert art.model_files == ("model.skops",)
    assert art.predict_fn == "predict"
    assert art.input_schema == (
        ColumnSpec("a", "double"),
        ColumnSpec("b", "long"),
        ColumnSpec("c", "double"),
    )
    assert art.output_schema == (ColumnSpec(None, "tensor float64 [-1, 2]"),)
    assert len(art.checksum) == 64
    assert art.checksum == inspect_model_dir(models["lr"]).checksum


def test_pickle_formats_and_predict_fn(models: dict[str, Path]) -> None:
    pkl, cp = inspect_model_dir(models["lr_pkl"]), inspect_model_dir(models["lr_cp"])
    assert (pkl.serialization_format, pkl.model_files, pkl.input_schema) == (
        "pickle",
        ("model.pkl",),
        None,
    )
    assert (cp.serialization_format, cp.predict_fn) == ("cloudpickle", "predict_proba")


def test_lightgbm_booster_is_native_sklearn_api_is_skops(models: dict[str, Path]) -> None:
    booster, lgbm = inspect_model_dir(models["booster"]), inspect_model_dir(models["lgbm"])
    assert (booster.flavor, booster.serialization_format) == ("lightgbm", "native")
    assert (booster.model_files, booster.model_class) == (("model.lgb",), "lightgbm.basic.Booster")
    assert (lgbm.serialization_format, lgbm.model_files) == ("skops", ("model.skops",))
    assert lgbm.model_class == "lightgbm.sklearn.LGBMClassifier"
    assert "lightgbm.basic.Booster" in lgbm.declared_skops_trusted_types


def test_pyfunc_python_model_is_cloudpickle(models: dict[str, Path]) -> None:
    art = inspect_model_dir(models["pyfunc"])
    assert (art.flavors, art.flavor) == (("python_function",), "pyfunc")
    assert (art.serialization_format, art.model_files) == ("cloudpickle", ("python_model.pkl",))


def test_code_paths_are_recorded(models: dict[str, Path]) -> None:
    assert inspect_model_dir(models["code"]).code_paths == ("code",)


def test_checksum_changes_with_any_byte(tmp_path: Path, models: dict[str, Path]) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(models["booster"], copy)
    assert inspect_model_dir(copy).checksum == inspect_model_dir(models["booster"]).checksum
    (copy / "model.lgb").write_bytes((copy / "model.lgb").read_bytes() + b"\n")
    assert inspect_model_dir(copy).checksum != inspect_model_dir(models["booster"]).checksum


def test_not_a_model_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no MLmodel file"):
        inspect_model_dir(tmp_path)
    (tmp_path / "MLmodel").write_text("flavors:\n  sklearn:\n    pickled_model: ../../etc/passwd\n")
    with pytest.raises(ModelError, match="outside the model directory"):
        inspect_model_dir(tmp_path)
    (tmp_path / "MLmodel").write_text("flavors:\n  sklearn:\n    pickled_model: model.pkl\n")
    with pytest.raises(ModelError, match=r"names the file 'model.pkl', which is missing"):
        inspect_model_dir(tmp_path)
    (tmp_path / "MLmodel").write_text("flavors:\n  tensorflow:\n    data: x\n")
    with pytest.raises(ModelError, match="scores only sklearn"):
        inspect_model_dir(tmp_path)


# ---- check_loadable ------------------------------------------------------------------------


def test_random_forest_skops_is_allowed_by_default(models: dict[str, Path]) -> None:
    check_loadable(inspect_model_dir(models["rf"]), model_label="rf")
    check_loadable(inspect_model_dir(models["lgbm"]), model_label="lgbm")
    check_loadable(inspect_model_dir(models["booster"]), model_label="booster")


def test_untrusted_skops_type_refused_then_trusted(models: dict[str, Path]) -> None:
    art = inspect_model_dir(models["neg"])
    with pytest.raises(ModelError) as info:
        check_loadable(art, model_label="challenger")
    message = str(info.value)
    assert "'challenger'" in message
    assert "needs a type that champion does not trust: _operator.neg" in message
    assert "--trust-type _operator.neg" in message
    with pytest.raises(ModelError):
        check_loadable(art, allow_pickle=True, model_label="challenger")  # a separate opt-in
    check_loadable(art, trusted_types=["_operator.neg"], model_label="challenger")


@pytest.mark.parametrize("name", ["lr_pkl", "lr_cp", "pyfunc", "code"])
def test_code_running_models_need_allow_pickle(models: dict[str, Path], name: str) -> None:
    art = inspect_model_dir(models[name])
    with pytest.raises(ModelError, match="--allow-pickle") as info:
        check_loadable(art, model_label=f"m-{name}")
    assert f"'m-{name}'" in str(info.value)
    check_loadable(art, allow_pickle=True, model_label=f"m-{name}")


def test_default_trusted_types_cover_common_estimators(tmp_path: Path, data: Data) -> None:
    x, y = data
    estimators = [
        ExtraTreesClassifier(n_estimators=2),
        GradientBoostingClassifier(n_estimators=2),
        HistGradientBoostingClassifier(max_iter=2),
        VotingClassifier(
            [
                ("a", LogisticRegression()),
                ("b", make_pipeline(StandardScaler(), LogisticRegression())),
            ],
            voting="soft",
        ),
        CalibratedClassifierCV(LogisticRegression(), cv=2),
        KNeighborsClassifier(algorithm="kd_tree"),
        lgb.LGBMClassifier(n_estimators=2, verbose=-1),
    ]
    for i, estimator in enumerate(estimators):
        file = tmp_path / f"{i}.skops"
        skops.io.dump(estimator.fit(x, y), file)
        assert set(skops.io.get_untrusted_types(file=file)) <= set(DEFAULT_TRUSTED_TYPES)


def test_default_trusted_types_name_real_types() -> None:
    for name in DEFAULT_TRUSTED_TYPES:
        module, _, attr = name.rpartition(".")
        if module.startswith("xgboost") and importlib.util.find_spec("xgboost") is None:
            continue
        assert hasattr(importlib.import_module(module), attr), name


# ---- check_against_signature ---------------------------------------------------------------


def test_signature_match_drops_extra_columns(models: dict[str, Path], data: Data) -> None:
    x = data[0].assign(extra=1.0)[["extra", "c", "b", "a"]]
    checked = check_against_signature(inspect_model_dir(models["lr"]), x, "m")
    assert checked.columns == ("a", "b", "c")
    assert checked.dropped == ("extra",)
    assert checked.note == "columns not in the model's signature dropped: 'extra'"


def test_signature_problems_are_all_listed(models: dict[str, Path], data: Data) -> None:
    x = data[0].drop(columns=["c"]).astype({"b": float})
    x.loc[3, "b"] = np.nan
    x["a"] = x["a"].astype(str)
    with pytest.raises(DataError) as info:
        check_against_signature(inspect_model_dir(models["lr"]), x, "initial")
    message = str(info.value)
    assert "'initial'" in message
    assert "missing columns: 'c'" in message
    assert "column 'b': long (integer) expected, but the column has 1 missing values" in message
    assert "column 'a': double expected, but the column holds text" in message
    assert "Traceback" not in message


def test_whole_floats_fit_an_integer_column(models: dict[str, Path], data: Data) -> None:
    x = data[0].astype({"b": float})
    assert check_against_signature(inspect_model_dir(models["lr"]), x, "m").note is None
    x.loc[0, "b"] = 0.5
    with pytest.raises(DataError, match="fractional values"):
        check_against_signature(inspect_model_dir(models["lr"]), x, "m")


def test_no_signature_passes_with_a_note(models: dict[str, Path], data: Data) -> None:
    checked = check_against_signature(inspect_model_dir(models["rf"]), data[0], "m")
    assert (checked.columns, checked.note) == (None, NO_SIGNATURE_NOTE)

"""champion's loading policy, applied to a model directory BEFORE anything loads the model.

MLflow gates every deserialization behind ``MLFLOW_ALLOW_PICKLE_DESERIALIZATION`` and, for
skops files, trusts the ``skops_trusted_types`` list that the artifact itself declares in its
MLmodel file, so a crafted model can whitelist whatever it likes. champion decides instead:

- **skops** files load only if every type that ``skops.io.get_untrusted_types`` reports for the
  file is in :data:`DEFAULT_TRUSTED_TYPES` or was trusted by the user (``--trust-type T``); the
  worker then loads the file with exactly that list, never the one the artifact declares.
- **pickle / cloudpickle** files (a scikit-learn or LightGBM model saved that way, every pyfunc
  ``PythonModel``), models-from-code, pyfunc models of an unknown loader and models that ship
  ``code_paths`` run code from the artifact when loaded: refused unless ``--allow-pickle``.
- **native** formats (LightGBM text booster, XGBoost json / ubj, CatBoost) run no code: they pass
  (an XGBoost ``model_class`` must still be an ``xgboost.`` class, as MLflow imports it by name).
"""

from __future__ import annotations

from collections.abc import Sequence

from champion.errors import ModelError
from champion.models.artifact import ModelArtifact

#: Types champion trusts in a skops file, beyond skops' own defaults (plain Python and numpy
#: values, public scikit-learn estimators, the loss and link objects of the boosting models).
#: Built by saving each estimator with skops 0.16 / scikit-learn 1.9 / LightGBM 4.7 and reading
#: ``skops.io.get_untrusted_types`` (tests/unit/models/test_artifact_and_safety.py re-checks the
#: common ones). skops leaves the tree node stores untrusted because a crafted node array can make
#: ``predict`` read out of bounds or crash; champion accepts that risk because it predicts in a
#: separate worker process that holds only the test data and no credentials.
DEFAULT_TRUSTED_TYPES: tuple[str, ...] = (
    # DecisionTree, ExtraTree, RandomForest, ExtraTrees, GradientBoosting, AdaBoost, Bagging
    "sklearn.tree._tree.Tree",
    # HistGradientBoosting
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    # losses and links of (Hist)GradientBoosting for binary / multiclass targets (trusted by
    # skops >= 0.11 already; listed for older skops releases that report them)
    "sklearn._loss.loss.HalfBinomialLoss",
    "sklearn._loss.loss.HalfMultinomialLoss",
    "sklearn._loss.loss.ExponentialLoss",
    "sklearn._loss._loss.CyHalfBinomialLoss",
    "sklearn._loss._loss.CyHalfMultinomialLoss",
    "sklearn._loss._loss.CyExponentialLoss",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss.link.HalfLogitLink",
    "sklearn._loss.link.MultinomialLogit",
    "sklearn._loss.link.IdentityLink",
    "sklearn._loss.link.Interval",
    # VotingClassifier, StackingClassifier (named_estimators_)
    "sklearn.utils._bunch.Bunch",
    # CalibratedClassifierCV (sigmoid, isotonic, temperature)
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.calibration._TemperatureScaling",
    # KNeighborsClassifier (kd / ball tree, the common metrics)
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neighbors._ball_tree.BallTree",
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
    "sklearn.metrics._dist_metrics.ManhattanDistance64",
    "sklearn.metrics._dist_metrics.MinkowskiDistance64",
    # MLPClassifier
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
    # SimpleImputer / encoders keep a dtype; ColumnTransformer with categorical HGB keeps a
    # partial of check_array (skops audits the partial's function and arguments separately)
    "numpy.dtype",
    "functools.partial",
    "sklearn.utils.validation.check_array",
    # LightGBM scikit-learn API (the list MLflow's lightgbm flavour declares, classifier only)
    "lightgbm.sklearn.LGBMClassifier",
    "lightgbm.basic.Booster",
    "collections.OrderedDict",
    # XGBoost scikit-learn API saved through mlflow.sklearn (not measured here: xgboost is not
    # installed with champion; mlflow.xgboost itself always writes XGBoost's native format)
    "xgboost.sklearn.XGBClassifier",
    "xgboost.core.Booster",
)

_CODE_FORMATS = {
    "pickle": "pickle, which runs arbitrary code when loaded",
    "cloudpickle": "cloudpickle, which runs arbitrary code when loaded",
    "code": "Python source (models-from-code), which runs when loaded",
    "unknown": "a format champion cannot check (loader {loader}), which may run code when loaded",
}


def trusted_skops_types(trusted_types: Sequence[str] = ()) -> tuple[str, ...]:
    """:data:`DEFAULT_TRUSTED_TYPES` followed by the user's ``trusted_types`` (no duplicates)."""
    return tuple(dict.fromkeys((*DEFAULT_TRUSTED_TYPES, *(t.strip() for t in trusted_types))))


def untrusted_skops_types(artifact: ModelArtifact, model_label: str) -> tuple[str, ...]:
    """Every type skops reports as untrusted in the artifact's skops file(s), sorted."""
    import skops.io

    found: set[str] = set()
    for rel in artifact.model_files:
        try:
            found.update(skops.io.get_untrusted_types(file=artifact.path / rel))
        except Exception as exc:  # a corrupt or foreign file: zip, JSON or schema errors
            raise ModelError(
                f"model {model_label!r}: cannot read its skops file {rel!r} "
                f"({type(exc).__name__}: {exc}); download the model again."
            ) from None
    return tuple(sorted(found))


def check_loadable(
    artifact: ModelArtifact,
    *,
    trusted_types: Sequence[str] = (),
    allow_pickle: bool = False,
    model_label: str,
) -> None:
    """Refuse (ModelError) to load a model that champion's policy does not allow.

    ``trusted_types``: skops types the user trusts beyond :data:`DEFAULT_TRUSTED_TYPES`.
    ``allow_pickle``: accept models whose loading runs code from the artifact. The message names
    the model, the reason and the option that would accept it.
    """
    label = repr(model_label)
    where = f"({artifact.flavor} model, file {', '.join(artifact.model_files) or '?'})"
    if not allow_pickle:
        fmt = artifact.serialization_format
        if fmt in _CODE_FORMATS:
            reason = _CODE_FORMATS[fmt].format(loader=artifact.loader_module or "none")
            raise ModelError(
                f"refused to load model {label} {where}: it is serialized with {reason}. "
                "Load it only if you trust where it comes from: pass --allow-pickle."
            )
        if artifact.code_paths:
            raise ModelError(
                f"refused to load model {label} {where}: it ships Python code "
                f"({', '.join(artifact.code_paths)}) that MLflow puts on the import path when it "
                "loads the model. Load it only if you trust where it comes from: pass "
                "--allow-pickle."
            )
    if artifact.flavor == "xgboost" and not (artifact.model_class or "").startswith("xgboost."):
        raise ModelError(
            f"refused to load model {label} {where}: its MLmodel file names the class "
            f"{artifact.model_class!r}, which is not an XGBoost class."
        )
    if artifact.serialization_format != "skops":
        return
    allowed = set(trusted_skops_types(trusted_types))
    missing = [t for t in untrusted_skops_types(artifact, model_label) if t not in allowed]
    if missing:
        options = " ".join(f"--trust-type {t}" for t in missing)
        raise ModelError(
            f"refused to load model {label} {where}: its skops file needs "
            f"{'types' if len(missing) > 1 else 'a type'} that champion does not trust: "
            f"{', '.join(missing)}. Loading a type constructs it from the file; if you have "
            f"reviewed {'them' if len(missing) > 1 else 'it'} and trust the model, pass {options}."
        )

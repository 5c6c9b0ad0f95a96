"""The MLflow side of scoring on Spark: a model copy that predicts what champion needs, and the
``mlflow.pyfunc.spark_udf`` that runs it on the executors.

MLflow's Spark UDF calls the model's ``python_function`` flavour, whose ``predict_fn`` names
the method it calls ("predict" unless the model was logged with another ``pyfunc_predict_fn``).
For a scikit-learn model (mlflow 3.17), ``mlflow.sklearn._load_pyfunc`` wraps the estimator in
``_SklearnModelWrapper``, which exposes the estimator's ``predict_proba`` (and
``predict_log_proba``, ...) when it has one, and ``PyFuncModel`` calls
``getattr(wrapper, predict_fn)``: setting ``predict_fn: predict_proba`` in a copy of the model's
MLmodel file makes the UDF return class probabilities instead of labels, without touching the
model file. The lightgbm, xgboost and catboost wrappers have ``predict`` only.

The loading policy (champion.models.safety) is applied again here, before a UDF is built, and
the copy's skops flavour lists exactly the types champion trusts (MLflow would otherwise load
the file with whatever list the artifact itself declares).

Unlike champion.models.scoring, the model runs in Spark's Python workers, not in champion's
sandboxed worker: they hold what the Spark session's environment holds.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from champion.errors import ModelError
from champion.models.artifact import PYFUNC, inspect_model_dir
from champion.models.safety import check_loadable, trusted_skops_types

MLMODEL = "MLmodel"
# MLflow refuses to deserialize any scikit-learn model (skops included) unless this is "true";
# champion's own policy has accepted the model by the time a UDF is built
_GATE = {"MLFLOW_ALLOW_PICKLE_DESERIALIZATION": "true"}
CONNECT_HINT = (
    " (over Spark Connect the executors load the model from the folder champion prepared on "
    "this machine, at the same path, and Databricks Connect from outside Databricks is not "
    'supported yet: see docs/spark.md, "Spark Connect and Databricks Connect")'
)


def prepare_model_copy(
    model_dir: Path,
    work: Path,
    predict_fn: str,
    *,
    trusted_types: Sequence[str] = (),
) -> Path:
    """A copy of the MLflow model folder model_dir, made in a new folder under work, whose
    python_function flavour calls predict_fn (e.g. "predict_proba" for a scikit-learn model
    logged with the default "predict"), and whose skops flavours list the skops types champion
    trusts (its defaults and trusted_types) instead of those the artifact declares.

    Raises ModelError when model_dir is not an MLflow model or has no python_function flavour
    (mlflow.pyfunc.spark_udf cannot run it).
    """
    from mlflow.models import Model

    source = Path(model_dir)
    if not (source / MLMODEL).is_file():
        raise ModelError(f"{str(source)!r} is not an MLflow model folder: it has no MLmodel file.")
    try:
        model = Model.load(str(source / MLMODEL))
    except Exception as exc:  # MLflow's YAML and schema errors
        raise ModelError(f"cannot read the MLmodel file of {str(source)!r}: {exc}") from None
    pyfunc = model.flavors.get(PYFUNC)
    if not isinstance(pyfunc, dict):
        flavours = ", ".join(map(str, model.flavors)) or "none"
        raise ModelError(
            f"the model in {str(source)!r} has no python_function flavour (it has: {flavours}); "
            "MLflow's Spark UDF runs only python_function models. Log it with a flavour that "
            "adds one (mlflow.sklearn, mlflow.lightgbm, mlflow.pyfunc, ...)."
        )
    work.mkdir(parents=True, exist_ok=True)
    target = Path(tempfile.mkdtemp(prefix="spark-model-", dir=work)) / "model"
    shutil.copytree(source, target)
    pyfunc["predict_fn"] = predict_fn
    trusted = list(trusted_skops_types(trusted_types))
    for conf in model.flavors.values():
        if isinstance(conf, dict) and conf.get("serialization_format") == "skops":
            conf["skops_trusted_types"] = trusted
    model.save(str(target / MLMODEL))
    return target


def spark_scoring_udf(
    spark: Any,
    model_path: Path,
    result_type: str,
    *,
    trusted_types: Sequence[str] = (),
    allow_pickle: bool = False,
    model_label: str | None = None,
) -> Any:
    """``mlflow.pyfunc.spark_udf`` of the local model folder model_path, returning result_type
    (a Spark DDL type: "array<double>", "string", "double") per row.

    env_manager="local": the executors use their Python's packages (nothing is installed,
    nothing downloaded; on a cluster the executors need MLflow and the model's libraries).
    In a classic session MLflow ships the model folder to the executors itself (or reads it in
    place on a local master). Over Spark Connect (mlflow 3.17) it cannot: each Python worker
    loads the model from model_path, as this machine names it, so the folder must be readable
    at that path where the executors run (a server on this machine; on a remote cluster, a
    folder mounted at the same path on both sides). Databricks Connect from outside
    Databricks needs an environment built beforehand (MLflow's prebuilt_env_uri), which
    champion does not build: MLflow refuses, and so does this function.

    The loading policy is checked first (trusted_types, allow_pickle, as champion.models.scoring
    applies them). Raises ModelError when the policy refuses the model or MLflow cannot build
    the UDF.
    """
    import mlflow.pyfunc

    label = model_label or str(model_path)
    artifact = inspect_model_dir(model_path)
    check_loadable(
        artifact, trusted_types=trusted_types, allow_pickle=allow_pickle, model_label=label
    )
    try:
        with _quiet_mlflow():
            return mlflow.pyfunc.spark_udf(
                spark,
                str(model_path),
                result_type=result_type,
                env_manager="local",
                extra_env=dict(_GATE),
            )
    except Exception as exc:  # MlflowException, and Spark's errors registering the UDF
        hint = CONNECT_HINT if is_connect_session(spark) else ""
        raise ModelError(
            f"MLflow cannot build a Spark UDF of model {label!r}: {type(exc).__name__}: {exc}{hint}"
        ) from None


def is_connect_session(spark: Any) -> bool:
    """Whether spark is a Spark Connect session (told by its class: this layer does not import
    pyspark)."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


@contextlib.contextmanager
def _quiet_mlflow() -> Iterator[None]:
    """MLflow warns on every env_manager="local" UDF that it does not rebuild the model's
    environment; champion chose that on purpose (and checks the scores against its worker's)."""
    logger = logging.getLogger("mlflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)

"""Logging an evaluation back to MLflow as a run (metrics, CI bounds, curve data, dataset input).

Like ``mlflow.models.evaluate``, but the caller has already computed everything: this module
only writes plain values, so it needs nothing from the evaluation engine. Curve data goes in a
JSON artifact rather than PNGs, so it stays queryable.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from champion.errors import RegistryError
from champion.models.connection import apply_http_defaults
from champion.models.refs import ResolvedModel

if TYPE_CHECKING:  # MLflow and pandas load when an evaluation is logged or read
    import pandas as pd
    from mlflow import MlflowClient

EXPERIMENT = "champion-evaluations"
ARTIFACT = "champion/evaluation.json"


@dataclass(frozen=True)
class EvaluationRecord:
    """What to log: metrics (name -> value, CI bounds as NAME_ci_low / NAME_ci_high), params,
    the evaluated rows (features + target) and the full result as JSON-ready data."""

    metrics: Mapping[str, float]
    params: Mapping[str, str]
    frame: pd.DataFrame
    target: str
    dataset_name: str
    dataset_source: str
    dataset_digest: str
    result: Mapping[str, Any]
    tags: Mapping[str, str] = field(default_factory=dict)


def log_evaluation(
    tracking_uri: str,
    model: ResolvedModel,
    record: EvaluationRecord,
    experiment: str = EXPERIMENT,
) -> str:
    """Create a finished run in ``experiment`` holding the evaluation; return its run id."""
    from mlflow import MlflowClient

    apply_http_defaults()
    client = MlflowClient(tracking_uri=tracking_uri)
    # MLflow prints "View run ... at: URL" on stdout, which would corrupt --format json, and
    # warns about dataset sources and integer columns, which says nothing to our users
    with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return _log(client, tracking_uri, model, record, experiment)


def _log(
    client: MlflowClient,
    tracking_uri: str,
    model: ResolvedModel,
    record: EvaluationRecord,
    experiment: str,
) -> str:
    from mlflow.data.pandas_dataset import from_pandas
    from mlflow.entities import DatasetInput, InputTag, LoggedModelInput, Metric, Param, RunTag
    from mlflow.exceptions import MlflowException

    try:
        found = client.get_experiment_by_name(experiment)
        experiment_id = (
            found.experiment_id
            if found
            else client.create_experiment(
                experiment, artifact_location=_local_artifact_location(tracking_uri, experiment)
            )
        )
        tags = {
            "champion.model_uri": model.uri,
            "champion.dataset_fingerprint": record.dataset_digest,
            **({"champion.model_name": model.name} if model.name else {}),
            **({"champion.model_version": model.version} if model.version else {}),
            **({"champion.model_id": model.model_id} if model.model_id else {}),
            **({"champion.model_run_id": model.run_id} if model.run_id else {}),
            **record.tags,
        }
        run_name = f"evaluate {model.name} v{model.version}" if model.version else "evaluate"
        run = client.create_run(experiment_id, run_name=run_name, tags=tags)
        run_id = run.info.run_id
        now = int(time.time() * 1000)
        client.log_batch(
            run_id,
            metrics=[Metric(k, float(v), now, 0) for k, v in record.metrics.items()],
            params=[Param(k, str(v)) for k, v in record.params.items()],
            tags=[RunTag("mlflow.note.content", _note(model, record))],
        )
        client.log_text(run_id, json.dumps(record.result, indent=1), ARTIFACT)
        dataset = from_pandas(
            record.frame,
            source=record.dataset_source,
            targets=record.target,
            name=record.dataset_name,
            digest=record.dataset_digest[:36],
        )
        inputs = [
            DatasetInput(
                dataset._to_mlflow_entity(), tags=[InputTag("mlflow.data.context", "evaluation")]
            )
        ]
        models = [LoggedModelInput(model.model_id)] if model.model_id else None
        client.log_inputs(run_id, datasets=inputs, models=models)
        client.set_terminated(run_id)
    except MlflowException as exc:
        raise RegistryError(
            f"could not log the evaluation to {tracking_uri}: {exc.message}. Check that the "
            "tracking server is reachable and that your account may create runs."
        ) from exc
    return str(run_id)


def _local_artifact_location(tracking_uri: str, experiment: str) -> str | None:
    """Beside the database for a sqlite store (MLflow's default, ./mlruns, depends on the
    current directory); None (the server's choice) for a tracking server."""
    parsed = urlparse(tracking_uri)
    if parsed.scheme != "sqlite":
        return None
    database = Path(unquote(tracking_uri.split("?", 1)[0].removeprefix("sqlite:///")))
    if not database.is_absolute():
        database = Path.cwd() / database
    return (database.parent / "mlartifacts" / experiment).as_uri()


def _note(model: ResolvedModel, record: EvaluationRecord) -> str:
    return (
        f"champion evaluation of {model.uri} on {record.dataset_name} "
        f"({len(record.frame)} rows, fingerprint {record.dataset_digest[:12]})."
    )

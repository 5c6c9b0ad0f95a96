"""Logging an evaluation back to MLflow as a run (metrics, CI bounds, curve data, dataset input,
figures, the decision record), and a decision record as a run of its own.

Like ``mlflow.models.evaluate``, but the caller has already computed everything: this module
only writes plain values, so it needs nothing from the evaluation engine. Curve data goes in a
JSON artifact rather than PNGs, so it stays queryable; figures come as the plotly figure objects
the caller drew (``RunArtifacts``), which MLflow's ``log_figure`` saves as HTML the MLflow UI
draws interactively. This module imports neither plotly nor champion's presentation: it hands
the objects on.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urlparse

from champion.errors import RegistryError
from champion.models.connection import apply_http_defaults
from champion.models.refs import ResolvedModel

if TYPE_CHECKING:  # MLflow and pandas load when an evaluation is logged or read
    import pandas as pd
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

EXPERIMENT = "champion-evaluations"
REPORT_EXPERIMENT = "champion-reports"
ARTIFACT = "champion/evaluation.json"
FIGURES = "champion/figures"  # each figure as <name>.html


class Figure(Protocol):
    """A plotly figure (``plotly.graph_objects.Figure``), as MLflow's ``log_figure`` takes it."""

    def write_html(self, *args: Any, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class RunArtifacts:
    """Files to log into a run: texts (artifact path -> UTF-8 text: a report, JSON) and figures
    (name -> plotly figure, logged as ``champion/figures/<name>.html``). The HTML of a figure
    loads plotly.js from its CDN (MLflow's default), so it stays small; a text is logged as
    it is."""

    texts: Mapping[str, str] = field(default_factory=dict)
    figures: Mapping[str, Figure] = field(default_factory=dict)


def figure_path(name: str) -> str:
    """Where the figure name is logged: champion/figures/<name>.html."""
    return f"{FIGURES}/{name}.html"


@dataclass(frozen=True)
class EvaluationRecord:
    """What to log: metrics (name -> value, CI bounds as NAME_ci_low / NAME_ci_high), params,
    the evaluated rows (features + target) and the full result as JSON-ready data.

    frame None: the rows stay where they are (a test set read by Spark, too large to log);
    the run's dataset input then names them by their path (source), row count (rows),
    fingerprint and column types (schema: column -> MLflow type name, "double", "long", ...;
    None when a column's type has no MLflow name)."""

    metrics: Mapping[str, float]
    params: Mapping[str, str]
    frame: pd.DataFrame | None
    target: str
    dataset_name: str
    dataset_source: str
    dataset_digest: str
    result: Mapping[str, Any]
    tags: Mapping[str, str] = field(default_factory=dict)
    rows: int | None = None
    schema: Mapping[str, str] | None = None

    @property
    def n(self) -> int:
        """The number of rows evaluated."""
        return len(self.frame) if self.frame is not None else int(self.rows or 0)


@dataclass(frozen=True)
class ReportRun:
    """A decision record as a run: its name, tags, params, note (the run's description), the
    files to log and the MLflow 3 logged models it compares (their ids: the run becomes one of
    each model's inputs)."""

    run_name: str
    tags: Mapping[str, str]
    params: Mapping[str, str]
    note: str
    artifacts: RunArtifacts
    model_ids: tuple[str, ...] = ()


def log_evaluation(
    tracking_uri: str,
    model: ResolvedModel,
    record: EvaluationRecord,
    experiment: str = EXPERIMENT,
    artifacts: RunArtifacts | None = None,
) -> str:
    """Create a finished run in ``experiment`` holding the evaluation and artifacts (figures,
    the decision record); return its run id. The run is marked finished after the last file."""
    client = _client(tracking_uri)
    with _quiet():
        return _log(client, tracking_uri, model, record, experiment, artifacts or RunArtifacts())


def log_report(tracking_uri: str, run: ReportRun, experiment: str = REPORT_EXPERIMENT) -> str:
    """Create a finished run in ``experiment`` holding a decision record (its files and
    figures, tags and params); return its run id."""
    from mlflow.entities import LoggedModelInput, Param, RunTag
    from mlflow.exceptions import MlflowException

    client = _client(tracking_uri)
    with _quiet():
        try:
            experiment_id = _experiment_id(client, tracking_uri, experiment)
            created = client.create_run(experiment_id, run_name=run.run_name, tags=dict(run.tags))
            run_id = created.info.run_id
            client.log_batch(
                run_id,
                params=[Param(k, str(v)) for k, v in run.params.items()],
                tags=[RunTag("mlflow.note.content", run.note)],
            )
            _log_artifacts(client, run_id, run.artifacts)
            if run.model_ids:
                models = [LoggedModelInput(model_id) for model_id in run.model_ids]
                client.log_inputs(run_id, models=models)
            client.set_terminated(run_id)
        except MlflowException as exc:
            raise _refused(tracking_uri, "the decision record", exc) from exc
    return str(run_id)


def _client(tracking_uri: str) -> MlflowClient:
    from mlflow import MlflowClient

    apply_http_defaults()
    return MlflowClient(tracking_uri=tracking_uri)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """MLflow prints "View run ... at: URL" on stdout, which would corrupt --format json, and
    warns about dataset sources and integer columns, which says nothing to our users."""
    with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


def _refused(tracking_uri: str, what: str, exc: MlflowException) -> RegistryError:
    return RegistryError(
        f"could not log {what} to {tracking_uri}: {exc.message}. Check that the "
        "tracking server is reachable and that your account may create runs."
    )


def _experiment_id(client: MlflowClient, tracking_uri: str, experiment: str) -> str:
    """The id of experiment, created (artifacts beside a sqlite store) when missing."""
    found = client.get_experiment_by_name(experiment)
    if found:
        return str(found.experiment_id)
    location = _local_artifact_location(tracking_uri, experiment)
    return str(client.create_experiment(experiment, artifact_location=location))


def _log_artifacts(client: MlflowClient, run_id: str, artifacts: RunArtifacts) -> None:
    """Each text with log_text, each figure with log_figure (HTML: interactive in the UI)."""
    for path, text in artifacts.texts.items():
        client.log_text(run_id, text, path)
    for name, figure in artifacts.figures.items():
        client.log_figure(run_id, figure, figure_path(name))


def _log(
    client: MlflowClient,
    tracking_uri: str,
    model: ResolvedModel,
    record: EvaluationRecord,
    experiment: str,
    artifacts: RunArtifacts,
) -> str:
    from mlflow.entities import DatasetInput, InputTag, LoggedModelInput, Metric, Param, RunTag
    from mlflow.exceptions import MlflowException

    try:
        experiment_id = _experiment_id(client, tracking_uri, experiment)
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
        _log_artifacts(client, run_id, artifacts)
        inputs = [
            DatasetInput(
                _dataset(record)._to_mlflow_entity(),
                tags=[InputTag("mlflow.data.context", "evaluation")],
            )
        ]
        models = [LoggedModelInput(model.model_id)] if model.model_id else None
        client.log_inputs(run_id, datasets=inputs, models=models)
        client.set_terminated(run_id)
    except MlflowException as exc:
        raise _refused(tracking_uri, "the evaluation", exc) from exc
    return str(run_id)


def _dataset(record: EvaluationRecord) -> Any:
    """The run's dataset input: the rows themselves (MLflow's pandas dataset, its profile and
    schema), or, without them, a metadata-only dataset whose source is the Spark path."""
    if record.frame is not None:
        from mlflow.data.pandas_dataset import from_pandas

        return from_pandas(
            record.frame,
            source=record.dataset_source,
            targets=record.target,
            name=record.dataset_name,
            digest=record.dataset_digest[:36],
        )
    from mlflow.data.meta_dataset import MetaDataset
    from mlflow.data.spark_dataset_source import SparkDatasetSource
    from mlflow.types import ColSpec, Schema

    class RowsElsewhere(MetaDataset):
        """MLflow's metadata-only dataset, with the row count as its profile (what MLflow's
        own datasets give: the UI shows it)."""

        @property
        def profile(self) -> dict[str, int]:
            return {"num_rows": record.n}

        def to_dict(self) -> dict[str, str]:
            return {**super().to_dict(), "profile": json.dumps(self.profile)}

    schema = None
    if record.schema is not None:
        schema = Schema([ColSpec(kind, name) for name, kind in record.schema.items()])
    return RowsElsewhere(
        SparkDatasetSource(path=record.dataset_source),
        name=record.dataset_name,
        digest=record.dataset_digest[:36],
        schema=schema,
    )


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
        f"({record.n:,} rows, fingerprint {record.dataset_digest[:12]})."
    )

"""Registered versions through the command line on Spark.

evaluate --log: a run as the in-memory engine logs it (the same metrics and CI bounds, the
curve data, the figures and the decision record), whose dataset input names the test set Spark
read (its path, row count, fingerprint and column types) instead of holding its rows.
compare --operating-point: the in-memory engine's matched operating points."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

from champion.cli.main import champion as cli

from .registry import Setup, two_versions
from .support import _close

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.spark, pytest.mark.cli]

MODEL = "logged-model"
ROWS = 3000


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    return two_versions(tmp_path_factory.mktemp("spark-log"), MODEL, ROWS)


def _evaluate(setup: Setup, *extra: str) -> dict[str, Any]:
    args = ["evaluate", f"models:/{MODEL}/2", "--data", str(setup.data), "--target", "y",
            "--tracking-uri", setup.tracking_uri, "--cache-dir", str(setup.cache),
            "--ci", "analytic", "--log", "--format", "json", *extra]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    found: dict[str, Any] = json.loads(result.output)
    return found


def test_evaluate_log_on_spark_is_the_in_memory_run(spark: SparkSession, setup: Setup) -> None:
    import mlflow

    on_spark = _evaluate(setup, "--engine", "spark", "--spark-master", "local[2]")
    memory = _evaluate(setup)
    assert on_spark["run_id"]
    assert on_spark["run_id"] != memory["run_id"]
    client = mlflow.MlflowClient(tracking_uri=setup.tracking_uri)
    spark_run, memory_run = (client.get_run(r["run_id"]) for r in (on_spark, memory))

    # the same metrics and bounds, the same tags naming the version
    metrics, expected = spark_run.data.metrics, memory_run.data.metrics
    assert set(metrics) == set(expected)
    for name, value in expected.items():
        assert math.isclose(metrics[name], value, rel_tol=1e-9, abs_tol=1e-9), name
    for tag in ("champion.model_uri", "champion.model_version", "champion.model_name"):
        assert spark_run.data.tags[tag] == memory_run.data.tags[tag]
    assert spark_run.data.params["engine"] == "spark"
    assert spark_run.data.params["rows"] == str(ROWS)
    assert spark_run.info.status == "FINISHED"

    # the dataset input: the rows stay where Spark read them
    (given,) = spark_run.inputs.dataset_inputs
    dataset = given.dataset
    assert dataset.source_type == "spark"
    assert json.loads(dataset.source) == {"path": str(setup.data)}
    fingerprint = on_spark["dataset"]["fingerprint"]
    assert dataset.digest == fingerprint[:36]
    assert json.loads(dataset.profile) == {"num_rows": ROWS}
    columns = {c["name"]: c["type"] for c in json.loads(dataset.schema)["mlflow_colspec"]}
    assert columns == {"age": "double", "fare": "double", "income": "double",
                       "visits": "double", "y": "long"}  # fmt: skip
    assert spark_run.data.tags["champion.dataset_fingerprint"] == fingerprint

    # the curve data, the figures and the decision record, as the in-memory run has them
    def files(run_id: str) -> set[str]:
        listed = client.list_artifacts(run_id, "champion")
        found = {a.path for a in listed if not a.is_dir}
        for folder in (a.path for a in listed if a.is_dir):
            found |= {a.path for a in client.list_artifacts(run_id, folder)}
        return found

    assert files(spark_run.info.run_id) == files(memory_run.info.run_id)
    logged = _logged(client, spark_run)
    assert logged["dataset"]["engine"] == "spark"
    (curves,) = (model["curves"] for model in logged["models"].values())
    (expected_curves,) = (m["curves"] for m in _logged(client, memory_run)["models"].values())
    _close(curves, expected_curves, "curves")


def _logged(client: Any, run: Any) -> dict[str, Any]:
    """The champion/evaluation.json of run."""
    local = Path(client.download_artifacts(run.info.run_id, "champion/evaluation.json"))
    found: dict[str, Any] = json.loads(local.read_text())
    return found


def test_operating_points_of_registered_versions_on_spark(
    spark: SparkSession, setup: Setup
) -> None:
    args = ["compare", f"models:/{MODEL}/1", f"models:/{MODEL}/2", "--data", str(setup.data),
            "--target", "y", "--tracking-uri", setup.tracking_uri, "--cache-dir",
            str(setup.cache), "--ci", "analytic", "--operating-point", "min_cost:1:3",
            "--format", "json"]  # fmt: skip
    runner = CliRunner()
    on_spark = runner.invoke(cli, [*args, "--engine", "spark", "--spark-master", "local[2]"])
    memory = runner.invoke(cli, args)
    assert on_spark.exit_code == 0, on_spark.output
    assert memory.exit_code == 0, memory.output
    found, expected = json.loads(on_spark.output), json.loads(memory.output)
    assert found["operating_points"]["baseline"] == f"models:/{MODEL}/1"
    _close(found["operating_points"], expected["operating_points"], "operating points")

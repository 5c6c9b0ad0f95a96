"""champion compare / evaluate / report --engine spark on registered versions: the in-memory
engine's numbers, exactly, on a 1,000,000-row Parquet test set (a real sqlite MLflow store,
real local Spark). Each version has about a million distinct scores, more than the driver
takes: these runs go through the two-level reduction (champion.spark.reduced)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from champion.cli.main import champion as cli

from .registry import register_versions, sample_rows
from .support import _close

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.spark, pytest.mark.cli]

MODEL = "big-model"
ROWS = 1_000_000


@dataclass(frozen=True)
class Setup:
    tracking_uri: str
    data: Path  # a folder of Parquet files, ROWS rows
    cache: Path


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    """Two versions of MODEL in a sqlite store (v1: a logistic regression on two features,
    v2: on all four; @champion on v1) and a 1e6-row test set in four Parquet files."""
    import mlflow

    root = tmp_path_factory.mktemp("spark-compare")
    uri = register_versions(root, MODEL, train_rows=5000)
    client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
    client.set_registered_model_alias(MODEL, "champion", "1")
    data = root / "test-set"
    data.mkdir()
    test = sample_rows(ROWS, seed=2)
    for i, part in enumerate(np.array_split(np.arange(ROWS), 4)):
        table = pa.Table.from_pandas(test.iloc[part], preserve_index=False)
        pq.write_table(table, data / f"part-{i}.parquet")
    return Setup(uri, data, root / "cache")


def run(setup: Setup, *args: str | Path) -> Result:
    common = ["--tracking-uri", setup.tracking_uri, "--cache-dir", setup.cache]
    return CliRunner().invoke(cli, [str(a) for a in (*args, *common)])


def _json(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    found: dict[str, Any] = json.loads(result.output)
    return found


@pytest.mark.slow
def test_compare_on_spark_equals_memory_at_a_million_rows(
    spark: SparkSession, setup: Setup
) -> None:
    args = [
        "compare", "models:/big-model/1", "models:/big-model/2", "--data", setup.data,
        "--target", "y", "--format", "json",
    ]  # fmt: skip
    on_spark = _json(run(setup, *args, "--engine", "spark", "--spark-master", "local[2]"))
    in_memory = _json(run(setup, *args))
    assert on_spark["n"] == in_memory["n"] == ROWS
    assert on_spark["baseline"] == in_memory["baseline"] == "models:/big-model/1"
    for part in ("models", "comparisons"):
        _close(on_spark[part], in_memory[part], part)
    # about a million distinct scores each: both tables were reduced on the cluster
    for model in on_spark["models"].values():
        assert any("distinct scores" in note for note in model["notes"])
    scored = on_spark["scored"]["models:/big-model/2"]
    assert scored["kind"] == "probability"
    assert not scored["from_cache"]
    again = _json(run(setup, *args, "--engine", "spark"))  # the Parquet scores, read back
    assert again["scored"]["models:/big-model/2"]["from_cache"]
    _close(again["comparisons"], on_spark["comparisons"], "again")


@pytest.mark.slow
def test_evaluate_on_spark_equals_memory(spark: SparkSession, setup: Setup) -> None:
    args = ["evaluate", "models:/big-model/2", "--data", setup.data, "--target", "y"]
    on_spark = _json(run(setup, *args, "--format", "json", "--engine", "spark"))
    in_memory = _json(run(setup, *args, "--format", "json"))
    _close(on_spark["models"], in_memory["models"], "models")
    assert on_spark["dataset"]["engine"] == "spark"


@pytest.mark.slow
def test_report_on_spark_gates_and_records(
    spark: SparkSession, setup: Setup, tmp_path: Path
) -> None:
    out = tmp_path / "record.json"
    args = [
        "report", "models:/big-model/1", "models:/big-model/2", "--data", setup.data,
        "--target", "y", "--gate", "roc_auc:not-worse", "--engine", "spark", "--output", out,
    ]  # fmt: skip
    result = run(setup, *args)
    assert result.exit_code in (0, 1), result.output
    record = json.loads(out.read_text())
    compared = _json(
        run(setup, "compare", "models:/big-model/1", "models:/big-model/2", "--data",
            setup.data, "--target", "y", "--engine", "spark", "--format", "json")
    )  # fmt: skip
    assert record["dataset"]["rows"] == ROWS
    assert sum(entry["rows"] for entry in record["dataset"]["class_balance"]) == ROWS
    _close(record["comparisons"], compared["comparisons"], "record")
    html = tmp_path / "record.html"
    assert run(setup, *args[:-2], "--output", html).exit_code in (0, 1)
    assert "big-model" in html.read_text()
    sliced = run(setup, *args, "--slice", "visits")
    assert sliced.exit_code == 2
    assert "--slice is not available with --engine spark" in sliced.output

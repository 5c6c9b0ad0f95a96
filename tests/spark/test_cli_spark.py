"""champion compare --engine spark on a predictions table: the in-memory command's result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from champion.cli.main import champion as cli

from .support import _close

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.spark, pytest.mark.cli]


def run(*args: str | Path, width: int | None = None) -> Result:
    env = {} if width is None else {"COLUMNS": str(width)}
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


@pytest.fixture(scope="module")
def predictions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """25,000 rows (past the in-memory engine's analytic threshold) of labels and two models'
    scores, in two Parquet files."""
    rng = np.random.default_rng(11)
    n = 25_000
    y = (rng.random(n) < 0.4).astype(np.int64)
    signal = y + rng.normal(size=n)
    old = np.round(1 / (1 + np.exp(-0.6 * signal)), 3)
    new = 1 / (1 + np.exp(-(signal + 0.5 * rng.normal(size=n))))
    folder = tmp_path_factory.mktemp("predictions") / "scored"
    folder.mkdir()
    frame = pd.DataFrame({"survived": y, "old": old, "new": new})
    frame.iloc[: n // 2].to_parquet(folder / "part-0.parquet", index=False)
    frame.iloc[n // 2 :].to_parquet(folder / "part-1.parquet", index=False)
    return folder


def _json(result: Result) -> dict[str, object]:
    assert result.exit_code == 0, result.output
    found: dict[str, object] = json.loads(result.output)
    return found


def test_predictions_on_spark_equal_memory(spark: SparkSession, predictions: Path) -> None:
    common = [
        "compare", "--predictions", predictions, "--score", "initial=old", "--score",
        "new=new", "--target", "survived", "--threshold", "0.4", "--format", "json",
    ]  # fmt: skip
    on_spark = _json(run(*common, "--engine", "spark", "--spark-master", "local[2]"))
    in_memory = _json(run(*common))
    assert on_spark["baseline"] == "initial"
    _close(on_spark, in_memory, "compare")
    assert on_spark["comparisons"]["new"]["roc_auc"]["method"] == "delong"  # type: ignore[index]


@pytest.mark.parametrize("width", [None, 40])
def test_table_output_on_spark(spark: SparkSession, predictions: Path, width: int | None) -> None:
    result = run(
        "compare", "--predictions", predictions, "--score", "initial=old", "--score", "new=new",
        "--target", "survived", "--engine", "spark", width=width,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "ROC" in result.output
    assert "new" in result.output


def test_spark_options_need_the_spark_engine(predictions: Path) -> None:
    result = run(
        "compare", "--predictions", predictions, "--score", "a=old", "--target", "survived",
        "--spark-conf", "spark.executor.memory=2g",
    )  # fmt: skip
    assert result.exit_code != 0
    assert "only apply with --engine spark" in result.output


def test_bootstrap_is_refused_on_spark(spark: SparkSession, predictions: Path) -> None:
    result = run(
        "compare", "--predictions", predictions, "--score", "a=old", "--score", "b=new",
        "--target", "survived", "--engine", "spark", "--ci", "bootstrap",
    )  # fmt: skip
    assert result.exit_code != 0
    assert "analytic intervals" in result.output


def test_bad_spark_conf_is_refused(predictions: Path) -> None:
    result = run(
        "compare", "--predictions", predictions, "--score", "a=old", "--target", "survived",
        "--engine", "spark", "--spark-conf", "nonsense",
    )  # fmt: skip
    assert result.exit_code != 0
    assert "is not KEY=VALUE" in result.output


@pytest.mark.parametrize("criterion", ["min_cost:1:4", "youden"])
def test_operating_points_on_spark_equal_memory(
    spark: SparkSession, predictions: Path, criterion: str
) -> None:
    common = [
        "compare", "--predictions", predictions, "--score", "initial=old", "--score",
        "new=new", "--target", "survived", "--operating-point", criterion, "--format", "json",
    ]  # fmt: skip
    on_spark = _json(run(*common, "--engine", "spark", "--spark-master", "local[2]"))
    in_memory = _json(run(*common))
    assert on_spark["operating_points"]["chosen_on"] == "same rows"  # type: ignore[index]
    _close(on_spark["operating_points"], in_memory["operating_points"], criterion)


@pytest.mark.parametrize("width", [None, 40])
def test_operating_points_table_on_spark(
    spark: SparkSession, predictions: Path, width: int | None
) -> None:
    result = run(
        "compare", "--predictions", predictions, "--score", "initial=old", "--score", "new=new",
        "--target", "survived", "--engine", "spark", "--operating-point", "max_f1", width=width,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Operating points" in result.output


def test_a_holdout_split_is_refused_on_spark(spark: SparkSession, predictions: Path) -> None:
    result = run(
        "compare", "--predictions", predictions, "--score", "a=old", "--score", "b=new",
        "--target", "survived", "--engine", "spark", "--operating-point", "youden",
        "--holdout-split", "0.5",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--holdout-split is not available with --engine spark" in result.output

"""champion run through spark-submit: the session spark-submit configured is the one used, and
the JSON on standard output is the in-memory command's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyspark
import pytest

import champion.__main__ as entry

from .support import _close

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def test_compare_under_spark_submit_equals_memory(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    n = 4000
    y = (rng.random(n) < 0.4).astype("int64")
    signal = y + rng.normal(size=n)
    table = pd.DataFrame(
        {"y": y, "a": 1 / (1 + np.exp(-signal)), "b": np.round(1 / (1 + np.exp(-0.5 * signal)), 2)}
    )
    path = tmp_path / "scored.parquet"
    table.to_parquet(path, index=False)
    args = ["compare", "--predictions", str(path), "--score", "a=a", "--score", "b=b",
            "--target", "y", "--format", "json"]  # fmt: skip
    submit = Path(pyspark.__file__).parent / "bin" / "spark-submit"
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    env.pop("PYSPARK_GATEWAY_PORT", None)
    on_spark = subprocess.run(
        [str(submit), "--master", "local[1]", "--conf", "spark.ui.enabled=false",
         "--conf", "spark.driver.bindAddress=127.0.0.1", "--conf", "spark.driver.host=127.0.0.1",
         entry.__file__, *args, "--engine", "spark"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert on_spark.returncode == 0, on_spark.stderr[-2000:]
    in_memory = subprocess.run(
        [sys.executable, "-m", "champion", *args, "--ci", "analytic"],
        capture_output=True, text=True, env=env, timeout=600, check=True,
    )  # fmt: skip
    got, want = json.loads(on_spark.stdout), json.loads(in_memory.stdout)
    assert got["n"] == n
    _close(got["comparisons"], want["comparisons"], "comparisons")
    _close(got["models"], want["models"], "models")

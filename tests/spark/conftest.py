"""Fixtures of the Spark tests (tests/spark, marker ``spark``).

spark   session: one local[2] SparkSession shared by every Spark test (a JVM takes seconds to
        start); fails, never skips, when pyspark or Java 17+ is missing (make unit installs
        both: the "spark" extra in .[dev], and scripts/install-java.sh).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    from champion.spark import local_session

    session = local_session("local[2]")
    yield session
    session.stop()

"""Starting the Spark side of a dashboard process (``champion serve --engine spark``): the
settings checked before any Spark starts, where the versions' scores are kept (the command
line's place), and the session with the test set read by it (see ``spark_backend``)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from champion.cache import default_cache_dir
from champion.dashboard.config import DashboardConfig
from champion.errors import DataError
from champion.object_cache import open_store
from champion.workspace import ScoringPolicy
from champion.workspace.results import ResultStore

if TYPE_CHECKING:
    from champion.models import RegistryClient
    from champion.workspace.spark import SparkWorkspace
    from champion.workspace.spark_data import SparkData

log = logging.getLogger("champion.dashboard")
STORE_FOLDER = "spark-scores"  # the command line's folder for the Parquet scores


def check_settings(config: DashboardConfig) -> None:
    """What can be checked without starting Spark: DataError for a recipe, a missing target,
    or a cluster without a shared place for the scores."""
    if config.recipe:
        raise DataError(
            "--recipe prepares a table in memory; with --engine spark give a Parquet test set "
            "(or a Delta table) whose columns the models take as they are."
        )
    if not config.target:
        raise DataError("--engine spark needs --target COL, the column of the true labels.")
    score_store(config)


def score_store(config: DashboardConfig) -> str:
    """Where Spark keeps the versions' scores (Parquet): the command line's place (see
    champion.cli.spark_cmd.store_root), so that each reads the other's scores: under the
    shared cache prefix when one is named (s3:// read as s3a://), else under the local cache
    folder, which only a single-machine (local[N]) session shares with its executors."""
    engine = config.engine
    if config.shared_cache:
        prefix = config.shared_cache.rstrip("/")
        if prefix.startswith("s3://"):
            prefix = "s3a://" + prefix.removeprefix("s3://")
        return f"{prefix}/{STORE_FOLDER}"
    if engine.remote is not None or not engine.master.startswith("local"):
        raise DataError(
            "--engine spark on a cluster keeps the models' scores on storage every executor "
            "reads: give --cache-dir s3://BUCKET/PREFIX (or gs://, abfs://; or set "
            "CHAMPION_CACHE_DIR)."
        )
    root = config.cache_dir if config.cache_dir is not None else default_cache_dir()
    return (Path(root) / STORE_FOLDER).resolve().as_uri()


def open_spark(
    config: DashboardConfig, registry: RegistryClient, policy: ScoringPolicy
) -> tuple[SparkWorkspace, SparkData, tuple[tuple[Any, int], ...]]:
    """The Spark composer over a new (or this process's) session, the test set read by it,
    and its rows per label; DataError for a test set of more than two labels."""
    from champion.spark.scoring import ParquetScores
    from champion.workspace.spark import SparkWorkspace

    engine = config.engine
    session = engine.session()
    shared = open_store(config.shared_cache) if config.shared_cache else None
    results = ResultStore(config.cache_dir or default_cache_dir(), shared=shared)
    spark = SparkWorkspace(registry, session, ParquetScores(score_store(config)), policy, results)
    data = spark.test_set(
        config.data_source,
        config.target,
        config.pos_label,
        row_id=engine.row_id,
        features=config.features,
    )
    balance = data.class_balance()
    if len(balance) > 2:
        shown = ", ".join(repr(label) for label, _ in balance[:5])
        raise DataError(
            f"champion serve --engine spark compares binary classifiers for now, and "
            f"{config.target!r} in {config.data_source} holds {len(balance)} labels ({shown}"
            f"{', ...' if len(balance) > 5 else ''}). Serve it without --engine spark to "
            "compare multiclass models in memory, or map its labels to two classes."
        )
    log.info("test set: read by Spark from %s (%d rows)", data.rows.source, data.rows.n)
    return spark, data, balance

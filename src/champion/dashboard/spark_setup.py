"""Starting the Spark side of a dashboard process (``champion serve --engine spark``): the
settings checked before any Spark starts, where the versions' scores are kept (the command
line's place), and the session with the test set read by it (see ``spark_backend``)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from champion.cache import default_cache_dir
from champion.dashboard.config import DashboardConfig
from champion.engine_options import score_store_root
from champion.errors import DataError
from champion.object_cache import open_store
from champion.workspace import ScoringPolicy
from champion.workspace.results import ResultStore

if TYPE_CHECKING:
    from champion.models import RegistryClient
    from champion.workspace.spark import SparkWorkspace
    from champion.workspace.spark_data import SparkData

log = logging.getLogger("champion.dashboard")


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
    """Where Spark keeps the versions' scores: the command line's place (see
    champion.engine_options.score_store_root), so that each reads the other's scores."""
    return score_store_root(config.engine, config.shared_cache, config.cache_dir)


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

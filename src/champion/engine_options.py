"""--engine and the Spark options shared by compare, evaluate, report and serve."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from champion.errors import DataError
from champion.options import env_option

F = TypeVar("F", bound=Callable[..., Any])
ENGINES = ("memory", "spark")
STORE_FOLDER = "spark-scores"  # the Parquet score store, under the cache


@dataclass(frozen=True)
class EngineOptions:
    """Where the test set is read and the models scored: "memory" (this process) or "spark"
    (a Spark session: master URL or a Spark Connect remote, spark.* settings), and the column
    that identifies a row for Spark (None: the row's file and position in it)."""

    engine: str = "memory"
    master: str = "local[*]"
    conf: tuple[tuple[str, str], ...] = ()
    remote: str | None = None
    row_id: str | None = None

    @property
    def spark(self) -> bool:
        return self.engine == "spark"

    def session(self) -> Any:
        """The Spark session these options name, a pyspark SparkSession (SparkUnavailable when
        it cannot start)."""
        from champion.spark import spark_session

        return spark_session(self.master, dict(self.conf), self.remote)

    def refuse_spark_options(self) -> None:
        """DataError when a Spark option is given without --engine spark (it would be ignored)."""
        given = [
            name
            for name, value in (
                ("--spark-conf", self.conf),
                ("--spark-remote", self.remote),
                ("--row-id", self.row_id),
                ("--spark-master", None if self.master == "local[*]" else self.master),
            )
            if value
        ]
        if given and not self.spark:
            raise DataError(
                f"{', '.join(given)} only apply with --engine spark; add it, or leave them out."
            )


def score_store_root(
    engine: EngineOptions,
    shared_cache: str | None,
    cache_dir: Path | None,
    master: str | None = None,
) -> str:
    """Where Spark keeps the models' scores (Parquet), the same place for the command line and
    the dashboard so that each reads the other's: under the shared cache prefix when one is
    named (s3:// read as s3a://, Hadoop's S3 client), else under the local cache folder, which
    only a session on this machine (local[N], or a Spark Connect server here) shares between
    its executors. master: the running session's master URL when known."""
    from champion.cache import default_cache_dir

    if shared_cache:
        prefix = shared_cache.rstrip("/")
        if prefix.startswith("s3://"):
            prefix = "s3a://" + prefix.removeprefix("s3://")
        return f"{prefix}/{STORE_FOLDER}"
    from champion.spark.session import remote_on_this_machine

    if engine.remote is not None:
        on_cluster = not remote_on_this_machine(engine.remote)
    else:  # master: the session's own, when known (spark-submit's --master decides then)
        on_cluster = not (master or engine.master).startswith("local")
    if on_cluster:
        raise DataError(
            "--engine spark on a cluster keeps the models' scores on storage every executor "
            "reads: give --cache-dir s3://BUCKET/PREFIX (or gs://, abfs://; or set "
            "CHAMPION_CACHE_DIR)."
        )
    root = cache_dir if cache_dir is not None else default_cache_dir()
    return (Path(root) / STORE_FOLDER).resolve().as_uri()


def parse_conf(texts: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """ "KEY=VALUE" settings -> pairs; DataError when one is not KEY=VALUE."""
    pairs = []
    for text in texts:
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise DataError(
                f"--spark-conf {text!r} is not KEY=VALUE, e.g. --spark-conf "
                "spark.executor.memory=8g."
            )
        pairs.append((key.strip(), value.strip()))
    return tuple(pairs)


def engine_options(function: F) -> F:
    """Add --engine, --spark-master, --spark-conf, --spark-remote and --row-id; the command
    receives them as one EngineOptions named engine."""
    options = [
        env_option(
            "--engine",
            env="CHAMPION_ENGINE",
            type=click.Choice(ENGINES),
            default="memory",
            show_default=True,
            help="Where the test set is read and the models scored: in this process, or on "
            "Spark (exact at any size; see docs/spark.md).",
        ),
        env_option(
            "--spark-master",
            env="CHAMPION_SPARK_MASTER",
            default="local[*]",
            show_default=True,
            metavar="URL",
            help="With --engine spark: the cluster manager (local[N], spark://HOST:7077, yarn, "
            "k8s://...).",
        ),
        click.option(
            "--spark-conf",
            multiple=True,
            metavar="KEY=VALUE",
            help="With --engine spark: a Spark setting (repeatable), e.g. "
            "spark.executor.memory=8g.",
        ),
        env_option(
            "--spark-remote",
            env="SPARK_REMOTE",
            metavar="sc://HOST",
            help="With --engine spark: a Spark Connect server (Databricks Connect, or "
            "sc://HOST:15002) instead of --spark-master.",
        ),
        click.option(
            "--row-id",
            metavar="COL",
            help="With --engine spark: a unique whole-number column identifying each row [the "
            "row's file and position in it].",
        ),
    ]

    def build(**values: Any) -> EngineOptions:
        return EngineOptions(
            values.pop("engine"),
            values.pop("spark_master"),
            parse_conf(values.pop("spark_conf")),
            values.pop("spark_remote") or None,
            values.pop("row_id") or None,
        )

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        names = ("engine", "spark_master", "spark_conf", "spark_remote", "row_id")
        chosen = build(**{name: kwargs.pop(name) for name in names})
        chosen.refuse_spark_options()
        return function(*args, **kwargs, engine=chosen)

    decorated: Any = functools.wraps(function)(wrapper)
    for option in reversed(options):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]

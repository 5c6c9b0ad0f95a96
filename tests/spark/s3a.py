"""Spark settings that point Hadoop's S3A file system at a test S3 endpoint (moto's server).

The jars are hadoop-aws 3.3.1 and its AWS SDK bundle, put in ``<venv>/spark-jars`` by
scripts/install-spark-s3.sh (``make unit`` runs it). hadoop-aws 3.3.1 reads some of Hadoop
3.5's defaults ("60s") as plain numbers and names an SDK v2 credentials class by default, so
those settings are given here in the forms it reads; a cluster with the hadoop-aws of its own
Hadoop needs none of them (docs/spark.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

JARS_DIR = Path(sys.prefix) / "spark-jars"
JARS = ("hadoop-aws-3.3.1.jar", "aws-java-sdk-bundle-1.11.901.jar")

#: Hadoop 3.5's duration defaults, as the numbers (milliseconds, or seconds) S3A 3.3.1 reads
_COMPATIBLE = {
    "fs.s3a.threads.keepalivetime": "60",
    "fs.s3a.connection.establish.timeout": "30000",
    "fs.s3a.connection.timeout": "200000",
    "fs.s3a.connection.ttl": "300000",
    "fs.s3a.connection.request.timeout": "0",
    "fs.s3a.connection.acquisition.timeout": "60000",
    "fs.s3a.connection.idle.time": "60000",
    "fs.s3a.multipart.purge.age": "86400",
    "fs.s3a.retry.interval": "500",
    "fs.s3a.retry.throttle.interval": "100",
    "fs.s3a.multipart.size": "67108864",
}


def jars() -> list[Path]:
    """The two jars; fails (never skips) naming the install step when one is missing."""
    found = [JARS_DIR / name for name in JARS]
    missing = [str(path) for path in found if not path.is_file()]
    if missing:
        pytest.fail(
            f"missing {', '.join(missing)}: run `make spark-s3` "
            "(scripts/install-spark-s3.sh; `make test` runs it)"
        )
    return found


def s3a_settings(endpoint: str, key: str, secret: str) -> dict[str, str]:
    """Spark settings (spark.jars, spark.hadoop.fs.s3a.*) for S3A on endpoint (http://...)."""
    hadoop = {
        **_COMPATIBLE,
        "fs.s3a.endpoint": endpoint,
        "fs.s3a.path.style.access": "true",
        "fs.s3a.connection.ssl.enabled": "false",
        "fs.s3a.access.key": key,
        "fs.s3a.secret.key": secret,
        "fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
        "fs.s3a.attempts.maximum": "3",
    }
    return {
        "spark.jars": ",".join(str(path) for path in jars()),
        **{f"spark.hadoop.{name}": value for name, value in hadoop.items()},
    }


def spark_conf_args(settings: dict[str, str]) -> list[str]:
    """settings as champion's --spark-conf KEY=VALUE options."""
    return [arg for name, value in settings.items() for arg in ("--spark-conf", f"{name}={value}")]

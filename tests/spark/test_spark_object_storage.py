"""--engine spark with the test set and the score store on object storage: an S3 endpoint
(moto's server on a loopback port, the stand-in for S3 or MinIO) read and written by Spark
through Hadoop's S3A file system, as a team's cluster reads its bucket.

champion runs in a fresh Python, as a user runs it: ``--data s3a://...``, ``--cache-dir
s3://...`` (the results store, through champion's S3 client, and the Parquet scores, through
S3A: the commit by rename and the markers) and ``--spark-conf`` for S3A (see s3a.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from integration.object_store import S3Endpoint, start_moto
from integration.servers import stop_process

from .registry import Setup, champion_json, in_memory, run, two_versions
from .s3a import s3a_settings, spark_conf_args
from .support import _close

pytestmark = [pytest.mark.spark, pytest.mark.slow]

MODEL = "s3-model"
ROWS = 3000
DATA_BUCKET = "champion-data"
CACHE_BUCKET = "champion-cache"


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Endpoint]:
    endpoint = start_moto(tmp_path_factory.mktemp("spark-moto"))
    try:
        yield endpoint
    finally:
        stop_process(endpoint.process)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory, s3: S3Endpoint) -> Setup:
    """Two versions of MODEL (registry.py); the test set's two Parquet files also in the
    data bucket under test-set/, and an empty cache bucket."""
    found = two_versions(tmp_path_factory.mktemp("spark-s3"), MODEL, ROWS)
    client = s3.client()
    for bucket in (DATA_BUCKET, CACHE_BUCKET):
        client.create_bucket(Bucket=bucket)
    for part in sorted(found.data.iterdir()):
        client.upload_file(str(part), DATA_BUCKET, f"test-set/{part.name}")
    return found


def _env(s3: S3Endpoint) -> dict[str, str]:
    """This environment, with champion's own S3 client (the results store) on the endpoint."""
    return {**os.environ, **s3.env()}


def _spark_args(s3: S3Endpoint) -> list[str]:
    env = s3.env()
    settings = s3a_settings(s3.url, env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
    return ["--engine", "spark", "--spark-master", "local[2]", *spark_conf_args(settings)]


def _keys(s3: S3Endpoint, bucket: str, prefix: str) -> list[str]:
    pages = s3.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def test_a_test_set_and_scores_on_s3_equal_memory(setup: Setup, s3: S3Endpoint) -> None:
    uris = [f"models:/{MODEL}/1", f"models:/{MODEL}/2"]
    common = ["--target", "y", "--ci", "analytic", "--tracking-uri", setup.tracking_uri,
              "--format", "json"]  # fmt: skip
    memory = in_memory("compare", *uris, "--data", setup.data, *common,
                       "--cache-dir", setup.cache)  # fmt: skip
    on_s3 = ["compare", *uris, "--data", f"s3a://{DATA_BUCKET}/test-set", *common,
             "--cache-dir", f"s3://{CACHE_BUCKET}/team", *_spark_args(s3)]  # fmt: skip
    first = champion_json(*on_s3, env=_env(s3))
    assert first["n"] == ROWS
    _close(first["comparisons"], memory["comparisons"], "comparisons")
    _close(first["models"], memory["models"], "models")
    assert {uri: first["scored"][uri]["from_cache"] for uri in uris} == dict.fromkeys(uris, False)

    # each version's scores: committed by rename, then marked; no hidden folder left behind
    stored = _keys(s3, CACHE_BUCKET, "team/spark-scores/")
    tables = {key.rsplit("/", 2)[0] for key in stored if key.endswith("/_SUCCESS")}
    complete = {t for t in tables if f"{t}/_champion.json/_SUCCESS" in stored}
    assert len(complete) == 2, stored
    assert not [key for key in stored if ".tmp-" in key], stored
    parts = [key for key in stored if key.rsplit("/", 1)[-1].startswith("part-")]
    assert parts, stored

    # a second run (another machine of the team, say) reads them from the bucket
    second = champion_json(*on_s3, env=_env(s3))
    assert {uri: second["scored"][uri]["from_cache"] for uri in uris} == dict.fromkeys(uris, True)
    _close(second["comparisons"], first["comparisons"], "comparisons")
    assert sorted(_keys(s3, CACHE_BUCKET, "team/spark-scores/")) == sorted(stored)


def test_a_missing_test_set_on_s3_is_named(setup: Setup, s3: S3Endpoint) -> None:
    found = run("compare", f"models:/{MODEL}/1", f"models:/{MODEL}/2",
                "--data", f"s3a://{DATA_BUCKET}/nowhere", "--target", "y",
                "--tracking-uri", setup.tracking_uri, "--cache-dir", f"s3://{CACHE_BUCKET}/team",
                *_spark_args(s3), env=_env(s3))  # fmt: skip
    assert found.returncode != 0
    assert f"s3a://{DATA_BUCKET}/nowhere" in found.stderr
    assert "Traceback" not in found.stderr

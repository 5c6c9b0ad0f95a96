"""Test sets where teams keep them: an S3 endpoint (moto's server standing in for S3 / MinIO),
runs:/ and mlflow-artifacts:/ artifacts of a real ``mlflow server``, folders of Parquet files.
A remote copy gives exactly the local file's fingerprint and numbers; each failure (missing key
or bucket, unreachable endpoint, refused or insufficient credentials, too large) its own error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result
from mlflow import MlflowClient

from champion.cli.main import champion as cli
from champion.data import Limits, load_dataset
from champion.errors import DataError
from champion.models.datasets import artifact_fetcher

from .object_store import S3Endpoint, start_moto
from .servers import free_port, stop_process
from .store import FEATURES, TARGET, BuiltStore

pytestmark = pytest.mark.slow


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def frame(sqlite_store: BuiltStore) -> pd.DataFrame:
    return sqlite_store.test[[*FEATURES, TARGET]].reset_index(drop=True)


@pytest.fixture(scope="module")
def bucket(s3: S3Endpoint, frame: pd.DataFrame) -> dict[str, str]:
    """The test set in a bucket as CSV, as Parquet, and split over a hive-partitioned prefix."""
    s3.client().create_bucket(Bucket="data")
    uris = {
        "csv": s3.put_frame("data", "eval/test.csv", frame),
        "parquet": s3.put_frame("data", "eval/test.parquet", frame),
    }
    half = len(frame) // 2
    s3.put_frame("data", "parts/part=0/rows.parquet", frame.iloc[:half])
    s3.put_frame("data", "parts/part=1/rows.parquet", frame.iloc[half:])
    s3.client().put_object(Bucket="data", Key="parts/_SUCCESS", Body=b"")
    uris["prefix"] = "s3://data/parts/"
    s3.put_frame("data", "csv-only/test.csv", frame)
    return uris


@pytest.fixture
def s3_env(s3: S3Endpoint, monkeypatch: pytest.MonkeyPatch) -> S3Endpoint:
    for name, value in s3.env().items():
        monkeypatch.setenv(name, value)
    return s3


def test_a_test_set_in_s3_equals_its_local_copy(
    s3_env: S3Endpoint, bucket: dict[str, str], frame: pd.DataFrame, tmp_path: Path
) -> None:
    local = tmp_path / "test.csv"
    frame.to_csv(local, index=False)
    expected = load_dataset(local, target=TARGET)
    for kind in ("csv", "parquet", "prefix"):
        remote = load_dataset(bucket[kind], target=TARGET, features=list(FEATURES))
        assert remote.fingerprint == expected.fingerprint, kind
        assert remote.source == bucket[kind]
        pd.testing.assert_frame_equal(remote.frame, expected.frame, check_dtype=False)


def test_each_failure_of_an_object_store_has_its_own_message(
    s3_env: S3Endpoint, bucket: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def error(uri: str, limits: Limits | None = None) -> str:
        with pytest.raises(DataError) as caught:
            load_dataset(uri, target=TARGET, limits=limits)
        return str(caught.value)

    assert "does not exist: no object has that key" in error("s3://data/eval/gone.csv")
    assert "the bucket (container) 'nobucket' does not exist" in error("s3://nobucket/t.csv")
    assert "prefix with no Parquet files" in error("s3://data/csv-only/")
    too_large = error(bucket["csv"], Limits(max_bytes=100))
    assert "over the limit of 100 bytes" in too_large
    assert "--max-bytes" in too_large
    assert "over the limit of 100 bytes" in error(bucket["prefix"], Limits(max_bytes=100))
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    unreachable = error(bucket["csv"])
    assert "the storage endpoint cannot be reached" in unreachable
    assert "AWS_ENDPOINT_URL" in unreachable


def test_refused_and_insufficient_credentials_are_told_apart(
    tmp_path: Path, frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    # moto checks credentials once its first four requests (set-up below) are spent
    endpoint = start_moto(tmp_path, {"INITIAL_NO_AUTH_ACTION_COUNT": "4"})
    try:
        import boto3

        iam = boto3.client("iam", **_boto(endpoint))
        iam.create_user(UserName="reader")
        key = iam.create_access_key(UserName="reader")["AccessKey"]
        endpoint.client().create_bucket(Bucket="data")
        uri = endpoint.put_frame("data", "eval/test.csv", frame)
        for name, value in endpoint.env().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAUNKNOWN000000000")
        with pytest.raises(DataError, match="the credentials were refused"):
            load_dataset(uri, target=TARGET)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
        with pytest.raises(DataError, match="access denied: these credentials may not read it"):
            load_dataset(uri, target=TARGET)  # a known user without a policy that allows it
    finally:
        stop_process(endpoint.process)


def _boto(endpoint: S3Endpoint) -> dict[str, Any]:
    env = endpoint.env()
    return {
        "endpoint_url": endpoint.url,
        "region_name": "us-east-1",
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
    }


def test_compare_on_s3_data_equals_the_local_file(
    s3_env: S3Endpoint, bucket: dict[str, str], sqlite_store: BuiltStore, tmp_path: Path
) -> None:
    local = tmp_path / "test.csv"
    sqlite_store.test[[*FEATURES, TARGET]].to_csv(local, index=False)

    def compare(data: str) -> Any:
        result = run(
            "compare",
            "models:/titanic/2",
            "models:/titanic/1",
            "--tracking-uri",
            sqlite_store.tracking_uri,
            "--data",
            data,
            "--target",
            TARGET,
            "--cache-dir",
            str(tmp_path / "cache"),
            "--n-boot",
            "100",
            "--format",
            "json",
        )
        assert result.exit_code == 0, result.output
        answer = json.loads(result.stdout)
        answer["dataset"].pop("source")
        answer["scored"] = sorted(answer["scored"])  # the second run reads the cached scores
        return answer

    assert compare(bucket["parquet"]) == compare(str(local))
    missing = run("compare", "models:/titanic/2", "--data", "s3://data/none.csv", "--target", "x")
    assert missing.exit_code == 2
    assert "'s3://data/none.csv' does not exist" in missing.output


def test_a_test_set_logged_to_a_run_is_read_through_the_tracking_server(
    server_store: BuiltStore, frame: pd.DataFrame, tmp_path: Path
) -> None:
    local = tmp_path / "test.csv"
    frame.to_csv(local, index=False)
    parts = tmp_path / "parts"
    for index, rows in enumerate((frame.iloc[:40], frame.iloc[40:])):
        (parts / f"part={index}").mkdir(parents=True)
        rows.to_parquet(parts / f"part={index}" / "rows.parquet", index=False)
    client = MlflowClient(server_store.tracking_uri)
    run_id = client.create_run(experiment_id="0").info.run_id
    client.log_artifact(run_id, str(local), artifact_path="eval")
    client.log_artifacts(run_id, str(parts), artifact_path="parts")
    client.set_terminated(run_id)
    artifacts = client.get_run(run_id).info.artifact_uri  # mlflow-artifacts:/0/RUN/artifacts
    fetch = artifact_fetcher(server_store.tracking_uri)
    expected = load_dataset(local, target=TARGET).fingerprint
    for uri in (
        f"runs:/{run_id}/eval/test.csv",
        f"{artifacts}/eval/test.csv",
        f"runs:/{run_id}/parts",
    ):
        found = load_dataset(uri, target=TARGET, features=list(FEATURES), fetch=fetch)
        assert found.fingerprint == expected, uri
    with pytest.raises(DataError, match="does not exist: no artifact has that path"):
        load_dataset(f"runs:/{run_id}/eval/none.csv", target=TARGET, fetch=fetch)
    with pytest.raises(DataError, match="over the limit of 100 bytes"):
        load_dataset(
            f"runs:/{run_id}/eval/test.csv", target=TARGET, fetch=fetch, limits=Limits(100)
        )

    answer = run(
        "evaluate",
        "models:/titanic/1",
        "--tracking-uri",
        server_store.tracking_uri,
        "--data",
        f"runs:/{run_id}/eval/test.csv",
        "--target",
        TARGET,
        "--n-boot",
        "0",
        "--no-cache",
        "--format",
        "json",
    )
    assert answer.exit_code == 0, answer.output
    assert json.loads(answer.stdout)["dataset"]["fingerprint"] == expected

"""A cache several hosts share: ``--cache-dir s3://bucket/prefix`` on an S3 endpoint (moto's
server standing in for S3 / MinIO). A second host (its own local cache folder) reads the first
host's scores and results instead of scoring and computing again, and gets the same numbers;
results are signed with CHAMPION_CACHE_KEY (a forged or foreign entry is not unpickled); the
cache commands list, prune and clear the shared store; a missing bucket is named."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from champion.cli.main import champion as cli
from champion.object_cache import sign

from .object_store import S3Endpoint
from .store import FEATURES, TARGET, BuiltStore

pytestmark = pytest.mark.slow

CACHE = "s3://team-cache/champion"
KEY = "k" * 40


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def team(s3: S3Endpoint, monkeypatch: pytest.MonkeyPatch) -> S3Endpoint:
    """The S3 endpoint in the environment, with an empty cache bucket and the signing key."""
    for name, value in s3.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CHAMPION_CACHE_KEY", KEY)
    client = s3.client()
    if "team-cache" in [b["Name"] for b in client.list_buckets()["Buckets"]]:
        for item in client.list_objects_v2(Bucket="team-cache").get("Contents", []):
            client.delete_object(Bucket="team-cache", Key=item["Key"])
    else:
        client.create_bucket(Bucket="team-cache")
    return s3


@pytest.fixture
def test_csv(sqlite_store: BuiltStore, tmp_path: Path) -> Path:
    path = tmp_path / "test.csv"
    sqlite_store.test[[*FEATURES, TARGET]].to_csv(path, index=False)
    return path


def compare_on_host(
    host: Path, store: BuiltStore, data: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """compare as run on a host whose local cache folder is host/champion."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(host))
    result = run(
        "compare", "models:/titanic/2", "models:/titanic/1",
        "--tracking-uri", store.tracking_uri, "--data", str(data), "--target", TARGET,
        "--cache-dir", CACHE, "--n-boot", "200", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def keys(s3: S3Endpoint, prefix: str = "") -> list[str]:
    listed = s3.client().list_objects_v2(Bucket="team-cache", Prefix=f"champion/{prefix}")
    found = (item["Key"] for item in listed.get("Contents", []))
    return sorted(key for key in found if not key.endswith("/"))  # pyarrow's folder markers


def test_a_second_host_reads_the_first_hosts_scores_and_results(
    team: S3Endpoint,
    sqlite_store: BuiltStore,
    test_csv: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = compare_on_host(tmp_path / "host-a", sqlite_store, test_csv, monkeypatch)
    assert not any(s["from_cache"] for s in first["scored"].values())
    assert len(keys(team, "scores/")) == 2
    assert len(keys(team, "checksums/")) == 2
    results = keys(team, "results/")
    assert results  # the reports and the paired comparison, signed
    assert not any(path.name.endswith(".tmp") for path in (tmp_path / "host-a").rglob("*"))

    second = compare_on_host(tmp_path / "host-b", sqlite_store, test_csv, monkeypatch)
    assert all(s["from_cache"] for s in second["scored"].values())  # nothing scored again
    for answer in (first, second):
        answer.pop("scored")
    assert second == first
    assert set(results) <= set(keys(team, "results/"))  # host a's entries are kept as written
    local_copies = {p.name for p in (tmp_path / "host-b" / "champion" / "results").rglob("*.pkl")}
    assert {key.rsplit("/", 1)[1] for key in results} <= local_copies  # kept on host b too

    # a result replaced by one signed with another key is not unpickled: host c computes it
    client = team.client()
    forged = sign(pickle.dumps({"forged": True}), b"x" * 40)
    for key in keys(team, "results/"):
        client.put_object(Bucket="team-cache", Key=key, Body=forged)
    third = compare_on_host(tmp_path / "host-c", sqlite_store, test_csv, monkeypatch)
    third.pop("scored")
    assert third == first


def test_without_a_key_only_scores_are_shared(
    team: S3Endpoint,
    sqlite_store: BuiltStore,
    test_csv: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CHAMPION_CACHE_KEY")
    compare_on_host(tmp_path / "host-a", sqlite_store, test_csv, monkeypatch)
    assert len(keys(team, "scores/")) == 2
    assert keys(team, "results/") == []


def test_the_cache_commands_work_on_the_shared_store(
    team: S3Endpoint,
    sqlite_store: BuiltStore,
    test_csv: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compare_on_host(tmp_path / "host-a", sqlite_store, test_csv, monkeypatch)
    stored = keys(team)
    listed = run("cache", "list", "--cache-dir", CACHE, "--format", "json")
    assert listed.exit_code == 0, listed.output
    entries = json.loads(listed.stdout)
    assert sorted(e["path"].removeprefix("s3://team-cache/") for e in entries) == stored
    assert {e["type"] for e in entries} >= {"scores", "checksum", "pair"}

    table = run("cache", "list", "--cache-dir", CACHE)
    assert table.exit_code == 0, table.output
    assert "Shared cache at s3://team-cache/champion" in " ".join(table.output.split())

    kept = run("cache", "prune", "--cache-dir", CACHE, "--older-than", "1d")
    assert kept.exit_code == 0, kept.output
    assert keys(team) == stored  # all written just now
    cleared = run("cache", "clear", "--cache-dir", CACHE)
    assert cleared.exit_code == 0, cleared.output
    assert f"removed {len(stored)} cached objects" in cleared.output
    assert keys(team) == []


def test_a_missing_bucket_is_named(
    team: S3Endpoint, sqlite_store: BuiltStore, test_csv: Path
) -> None:
    result = run(
        "compare", "models:/titanic/2", "--tracking-uri", sqlite_store.tracking_uri,
        "--data", str(test_csv), "--target", TARGET, "--cache-dir", "s3://no-such-bucket/c",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "the bucket (container) 'no-such-bucket' does not exist" in " ".join(
        result.output.split()
    )

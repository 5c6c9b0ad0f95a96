"""--engine spark over Spark Connect (--spark-remote): the in-memory engine's numbers through a
Spark Connect server (pyspark's sbin/start-connect-server.sh on a loopback port); the score
store written and read back over Connect, and read by a classic session too.

Every Connect client runs in a fresh Python (a subprocess): once a process has made a Connect
session, pyspark takes every later session in it for a Connect one, and this process keeps the
classic test session of the other Spark tests.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from champion.spark.scoring import ParquetScores

from .registry import RUN_TIMEOUT, Setup, champion_json, in_memory, run, two_versions
from .support import _close

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.spark, pytest.mark.slow]

MODEL = "connect-model"
ROWS = 3000
SERVER_START = 240.0  # seconds the server may take to listen (a busy 2-core machine)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    """Two versions of MODEL, a test set of ROWS rows and a predictions table (registry.py)."""
    return two_versions(tmp_path_factory.mktemp("spark-connect"), MODEL, ROWS)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A Spark Connect server (local[1]) starting on a free loopback port: pyspark's
    sbin/start-connect-server.sh in the foreground (--wait) in a process group of its own,
    stopped with it; its Python workers run this interpreter. See server."""
    from pyspark.find_spark_home import _find_spark_home

    home = Path(_find_spark_home())
    root = tmp_path_factory.mktemp("connect-server")
    port = _free_port()
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_PID_DIR": str(root),
        "SPARK_LOG_DIR": str(root),
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
    }
    env.pop("SPARK_REMOTE", None)
    conf = {
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.warehouse.dir": str(root / "warehouse"),
        "spark.local.dir": str(root / "local"),
    }
    command = [str(home / "sbin" / "start-connect-server.sh"), "--wait", "--master", "local[1]"]
    for key, value in conf.items():
        command += ["--conf", f"{key}={value}"]
    log = root / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        yield Server(process, port, log)
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def server(started: Server, setup: Setup) -> str:
    """sc://127.0.0.1:PORT of the started server, once it listens. It asks for setup only so
    that the MLflow store is built while the server's JVM starts."""
    deadline = time.monotonic() + SERVER_START
    while not _listening(started.port):
        if started.process.poll() is not None or time.monotonic() > deadline:
            tail = started.log.read_text(errors="replace")[-3000:]
            pytest.fail(f"the Spark Connect server did not start:\n{tail}")
        time.sleep(0.5)
    return f"sc://127.0.0.1:{started.port}"


def _stop(process: subprocess.Popen[bytes]) -> None:
    """The server's process group (the script, its JVM, the JVM's Python workers): SIGTERM,
    then SIGKILL when it is still there after 30 s."""
    group = process.pid  # the leader of its own session (start_new_session)
    for sent in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(group, sent)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=30)
            return
        except subprocess.TimeoutExpired:
            continue


def test_predictions_over_connect_equal_memory(server: str, setup: Setup) -> None:
    args: list[str | Path] = [
        "compare", "--predictions", setup.predictions, "--score", "a=a", "--score", "b=b",
        "--target", "y", "--ci", "analytic", "--format", "json",
    ]  # fmt: skip
    memory = in_memory(*args)
    over_connect = champion_json(*args, "--engine", "spark", "--spark-remote", server)
    assert over_connect["n"] == memory["n"] == ROWS
    _close(over_connect["comparisons"], memory["comparisons"], "comparisons")
    _close(over_connect["models"], memory["models"], "models")
    missing = [str(a) for a in args]
    missing[2] = str(setup.predictions.parent / "nowhere.parquet")
    refused = run(*missing, "--engine", "spark", "--spark-remote", server)
    assert refused.returncode == 2, refused.stderr[-4000:]
    assert "there is no test set at" in refused.stderr
    assert "nowhere.parquet" in refused.stderr


def test_an_unreachable_server_is_told_at_once() -> None:
    from champion.spark import SparkUnavailable, spark_session

    started = time.monotonic()
    with pytest.raises(SparkUnavailable, match=r"no Spark Connect server answers at sc://"):
        spark_session(remote=f"sc://127.0.0.1:{_free_port()}")  # nothing listens there
    assert time.monotonic() - started < 30  # not the client's ten minutes of retries


def test_which_remotes_run_on_this_machine() -> None:
    from champion.spark.session import remote_on_this_machine

    here = ["local", "local[1]", "sc://127.0.0.1:15002", "sc://localhost", "sc://[::1]:15002"]
    elsewhere = ["sc://spark.example.com:15002", "sc://10.0.0.7", "sc://h:443/;token=t"]
    assert [remote_on_this_machine(r) for r in here] == [True] * len(here)
    assert [remote_on_this_machine(r) for r in elsewhere] == [False] * len(elsewhere)


def test_registered_versions_over_connect_equal_memory(server: str, setup: Setup) -> None:
    args: list[str | Path] = [
        "compare", f"models:/{MODEL}/1", f"models:/{MODEL}/2", "--data", setup.data,
        "--target", "y", "--ci", "analytic", "--tracking-uri", setup.tracking_uri,
        "--format", "json",
    ]  # fmt: skip
    memory = in_memory(*args, "--cache-dir", setup.cache)
    # --no-cache: the command keeps the scores in a temporary folder of this machine
    over_connect = champion_json(*args, "--engine", "spark", "--spark-remote", server, "--no-cache")
    assert over_connect["baseline"] == memory["baseline"] == f"models:/{MODEL}/1"
    _close(over_connect["comparisons"], memory["comparisons"], "comparisons")
    _close(over_connect["models"], memory["models"], "models")
    scored = over_connect["scored"][f"models:/{MODEL}/2"]
    assert (scored["kind"], scored["from_cache"]) == ("probability", False)


# a second process that scores the versions over Connect into a store, then reads them back
_STORE_RUNS = """
import json, sys
from champion.models import MlflowRegistry
from champion.spark import spark_session
from champion.spark.scoring import ParquetScores
from champion.workspace.keys import Statistics
from champion.workspace.spark import SparkWorkspace

remote, tracking_uri, data, root, out = sys.argv[1:]
session = spark_session(remote=remote)
store = ParquetScores(root)
workspace = SparkWorkspace(MlflowRegistry(tracking_uri), session, store)
dataset = workspace.test_set(data, "y", "1")
runs = []
for _ in range(2):
    result, scored = workspace.compare(
        ["models:/M/1", "models:/M/2"], dataset, Statistics(ci="analytic")
    )
    runs.append({
        "comparisons": result.to_dict()["comparisons"],
        "from_cache": {uri: s.from_cache for uri, s in scored.items()},
        "paths": {uri: s.path for uri, s in scored.items()},
        "meta": {uri: store.meta(session, s.path) for uri, s in scored.items()},
    })
with open(out, "w") as file:
    json.dump(runs, file)
""".replace("models:/M/", f"models:/{MODEL}/")


def test_the_score_store_over_connect(
    server: str, setup: Setup, spark: SparkSession, tmp_path: Path
) -> None:
    root = (tmp_path / "spark-scores").as_uri()
    out = tmp_path / "runs.json"
    found = subprocess.run(
        [sys.executable, "-c", _STORE_RUNS, server, setup.tracking_uri, setup.data, root, out],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert found.returncode == 0, found.stderr[-4000:]
    first, second = json.loads(out.read_text())
    uris = [f"models:/{MODEL}/1", f"models:/{MODEL}/2"]
    assert first["from_cache"] == dict.fromkeys(uris, False)
    assert second["from_cache"] == dict.fromkeys(uris, True)  # read back from the store
    _close(second["comparisons"], first["comparisons"], "again")
    memory = in_memory(
        "compare", *uris, "--data", setup.data, "--target", "y", "--ci", "analytic",
        "--tracking-uri", setup.tracking_uri, "--cache-dir", setup.cache, "--format", "json",
    )  # fmt: skip
    _close(first["comparisons"], memory["comparisons"], "comparisons")
    # the layout written over Connect (parts, Spark's _SUCCESS, the description as a one-line
    # JSON dataset with its own _SUCCESS) is one a classic session reads as well
    store = ParquetScores(root)
    for uri in uris:
        path = first["paths"][uri]
        folder = Path(path.removeprefix("file://"))
        assert (folder / "_SUCCESS").is_file()
        assert (folder / "_champion.json" / "_SUCCESS").is_file()
        assert store.exists(spark, path)
        meta = store.meta(spark, path)
        assert meta == first["meta"][uri]
        assert (meta["uri"], meta["kind"], meta["rows"]) == (uri, "probability", ROWS)
        assert store.read(spark, path).count() == ROWS


def test_a_classic_session_reads_the_description_file_of_older_tables(
    spark: SparkSession, tmp_path: Path
) -> None:
    """Tables stored before the description became a folder kept it as one _champion.json
    file: a classic session still takes them as complete, with their description."""
    from pyspark.sql import functions as F

    store = ParquetScores((tmp_path / "scores").as_uri())
    path = store.path("a" * 64, "b" * 64)
    frame = spark.range(5).select(F.col("id").alias("_champion_row"), F.lit(0.5).alias("score"))
    store.write(frame, path, meta={"kind": "label"})
    folder = tmp_path / "scores" / ("a" * 64) / ("b" * 64)
    assert store.meta(spark, path) == {"kind": "label"}
    shutil.rmtree(folder / "_champion.json")
    assert not store.exists(spark, path)  # parts and _SUCCESS without a description
    (folder / "_champion.json").write_text(json.dumps({"kind": "probability"}))
    assert store.exists(spark, path)
    assert store.meta(spark, path) == {"kind": "probability"}

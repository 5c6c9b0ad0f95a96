"""A local, offline SparkSession for tests, benchmarks and single-machine use."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from types import ModuleType
from typing import TYPE_CHECKING

from champion.errors import ChampionError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

MIN_JAVA = 17
INSTALL = (
    "Install the extra with pip install 'champion[spark]' and a Java 17+ runtime (on Debian: "
    "apt-get install default-jre-headless, or scripts/install-java.sh from champion's source)."
)


class SparkUnavailable(ChampionError):
    """pyspark or the Java runtime it needs is missing, or the local Spark session cannot
    start."""


def require_pyspark() -> ModuleType:
    """The pyspark module, or SparkUnavailable naming what to install."""
    try:
        import pyspark
    except ImportError as exc:
        raise SparkUnavailable(f"pyspark is not installed ({exc}). {INSTALL}") from exc
    return pyspark


def java_binary() -> str | None:
    """The java pyspark starts: $JAVA_HOME/bin/java when JAVA_HOME is set, else java on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = os.path.join(home, "bin", "java")
        return candidate if os.access(candidate, os.X_OK) else None
    return shutil.which("java")


def java_major(binary: str) -> int | None:
    """The major version `binary -version` reports (17 for 17.0.15, 8 for 1.8.0), or None."""
    try:
        out = subprocess.run(
            [binary, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if found is None:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def require_java() -> str:
    """The java binary, or SparkUnavailable when it is missing or older than Java 17."""
    binary = java_binary()
    if binary is None:
        where = "JAVA_HOME/bin" if os.environ.get("JAVA_HOME") else "PATH"
        raise SparkUnavailable(
            f"Spark needs Java {MIN_JAVA}+, but no java is on {where}. {INSTALL}"
        )
    major = java_major(binary)
    if major is None or major < MIN_JAVA:
        seen = "an unknown version" if major is None else f"Java {major}"
        raise SparkUnavailable(f"Spark needs Java {MIN_JAVA}+, but {binary} is {seen}. {INSTALL}")
    return binary


def local_session(master: str = "local[2]", conf: Mapping[str, str] | None = None) -> SparkSession:
    """A SparkSession on this machine: offline (bound to 127.0.0.1), no web UI, logs at WARN,
    few shuffle partitions, Arrow transfers on, and a temporary warehouse folder.

    conf overrides or adds Spark settings. As SparkSession.builder.getOrCreate does, an already
    running session is returned (with conf applied to its SQL settings only). Raises
    SparkUnavailable when pyspark or Java 17+ is missing or the JVM does not start.
    """
    require_pyspark()
    require_java()
    from pyspark.sql import SparkSession

    # Python workers (if a job needs any) run this interpreter, not whatever python is on PATH
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    scratch = tempfile.mkdtemp(prefix="champion-spark-")
    settings = {
        "spark.app.name": "champion",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.warehouse.dir": os.path.join(scratch, "warehouse"),
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        **dict(conf or {}),
    }
    builder = SparkSession.builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start: pyspark raises its own runtime errors
        raise SparkUnavailable(f"the local Spark session did not start ({exc}). {INSTALL}") from exc
    session.sparkContext.setLogLevel("WARN")
    return session


def spark_session(
    master: str = "local[*]", conf: Mapping[str, str] | None = None, remote: str | None = None
) -> SparkSession:
    """The session champion's commands run Spark jobs in: a Spark Connect session when remote
    (sc://HOST:PORT, e.g. Databricks Connect or a Spark Connect server; "local" starts one on
    this machine), a local one for local / local[N] / local[*] masters (see local_session), else
    a session on the cluster manager at master (spark://, yarn, k8s://) with conf applied.

    Raises SparkUnavailable when pyspark, its Connect client or Java is missing or the session
    does not start, naming what to do.
    """
    require_pyspark()
    from pyspark.sql import SparkSession

    settings = {"spark.app.name": "champion", **dict(conf or {})}
    if remote:
        if importlib.util.find_spec("grpc") is None:  # the Connect client's transport
            raise SparkUnavailable(
                "--spark-remote needs Spark Connect's client (grpcio is not installed): pip "
                "install 'champion[spark]' (it brings pyspark[connect])."
            )
        builder = SparkSession.builder.remote(remote)
    elif master == "local" or master.startswith("local["):
        return local_session(master, settings)
    else:
        require_java()
        builder = SparkSession.builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        return builder.getOrCreate()
    except Exception as exc:  # pyspark raises its own errors for a master it cannot reach
        where = remote or master
        raise SparkUnavailable(
            f"no Spark session at {where} ({exc}). Check the address, and that this machine "
            "can reach it."
        ) from exc

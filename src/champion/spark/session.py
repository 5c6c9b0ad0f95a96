"""A local, offline SparkSession for tests, benchmarks and single-machine use."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.parse
import warnings
from collections.abc import Mapping
from types import ModuleType
from typing import TYPE_CHECKING

from champion.errors import ChampionError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

MIN_JAVA = 17
DEFAULT_CONNECT_PORT = 15002
LOOPBACK = ("localhost", "127.0.0.1", "::1")
REACH_TIMEOUT = 10.0  # seconds to open a connection to a Spark Connect server
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
    # pyspark 4 warns on every pandas conversion that it does not fully support pandas 3;
    # champion's Spark tests run with the pandas it installs, and under spark-submit these
    # warnings would land in the command's output (a JSON document, a table)
    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
    warnings.filterwarnings("ignore", "The copy keyword is deprecated", module="pyspark")
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


def _local_settings() -> dict[str, str]:
    """What a session on this machine runs with (see local_session); sets the Python its
    workers run (this interpreter, not whatever python is on PATH) unless the environment
    names one."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    scratch = tempfile.mkdtemp(prefix="champion-spark-")
    return {
        "spark.app.name": "champion",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.warehouse.dir": os.path.join(scratch, "warehouse"),
        "spark.sql.execution.arrow.pyspark.enabled": "true",
    }


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

    settings = {**_local_settings(), **dict(conf or {})}
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
    this machine); under spark-submit, the session it configured (master is then spark-submit's
    --master); a local one for local / local[N] / local[*] masters (see local_session), else
    a session on the cluster manager at master (spark://, yarn, k8s://) with conf applied.

    Raises SparkUnavailable when pyspark, its Connect client or Java is missing or the session
    does not start, naming what to do.
    """
    require_pyspark()
    from pyspark.sql import SparkSession

    if remote:
        return _connect_session(remote, dict(conf or {}))
    settings = {"spark.app.name": "champion", **dict(conf or {})}
    if submitted():  # spark-submit's master and settings apply; --spark-conf adds to them
        builder = SparkSession.builder
        for key, value in dict(conf or {}).items():
            builder = builder.config(key, value)
        return builder.getOrCreate()
    if master == "local" or master.startswith("local["):
        return local_session(master, settings)
    require_java()
    builder = SparkSession.builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        return builder.getOrCreate()
    except Exception as exc:  # pyspark raises its own errors for a master it cannot reach
        raise SparkUnavailable(
            f"no Spark session at {master} ({exc}). Check the address, and that this machine "
            "can reach it."
        ) from exc


def submitted() -> bool:
    """Whether this process runs under spark-submit, which started the JVM and holds the
    session's master and settings (it hands the gateway's port to Python)."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def session_master(session: SparkSession) -> str | None:
    """The master URL a classic session runs on (local[2], yarn, spark://...), None over
    Spark Connect (the server's business)."""
    if type(session).__module__.startswith("pyspark.sql.connect"):
        return None
    return str(session.sparkContext.master)


def remote_on_this_machine(remote: str) -> bool:
    """Whether a --spark-remote runs its server on this machine, so that it reads and writes
    this machine's folders: local / local[N] (a server this process starts), or sc://localhost,
    sc://127.0.0.1, sc://[::1] (a server started here; unless that port is forwarded to
    another machine, which champion cannot tell)."""
    if remote == "local" or remote.startswith("local["):
        return True
    parsed = urllib.parse.urlparse(remote)
    return parsed.scheme == "sc" and parsed.hostname in LOOPBACK


def _connect_session(remote: str, conf: dict[str, str]) -> SparkSession:
    """A Spark Connect session: at sc://HOST:PORT (a server or Databricks Connect), or on a
    server this process starts on this machine for a local / local[N] remote (it runs with
    local_session's settings). The server is asked its version at once, so that a wrong
    address or a server that is down is told here rather than at the first query."""
    from pyspark.sql import SparkSession

    if importlib.util.find_spec("grpc") is None:  # the Connect client's transport
        raise SparkUnavailable(
            "--spark-remote needs Spark Connect's client (grpcio is not installed): pip "
            "install 'champion[spark]' (it brings pyspark[connect])."
        )
    on_this_machine = remote == "local" or remote.startswith("local[")
    if on_this_machine:
        require_java()
        settings = {**_local_settings(), **conf}
    else:
        _check_reachable(remote)
        settings = {"spark.app.name": "champion", **conf}
    builder = SparkSession.builder.remote(remote)
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        with warnings.catch_warnings():
            # a local server starts with every setting; pyspark then sets them once more on
            # the Connect session, where the static ones (spark.ui.enabled...) are refused
            warnings.filterwarnings("ignore", "Failed to set spark", UserWarning)
            session = builder.getOrCreate()
        session.version  # noqa: B018 (the first call to the server)
    except Exception as exc:  # grpc's UNAVAILABLE, a refused token, a server that did not start
        if on_this_machine:
            what = "the local Spark Connect server did not start"
        else:
            what = f"no Spark Connect server answers at {remote}"
        raise SparkUnavailable(
            f"{what} ({_first_line(exc)}). Check the address and port (sc://HOST:15002 by "
            "default), that this machine can reach it, and that the server runs Spark 4."
        ) from exc
    if on_this_machine:
        _quiet_local_server()
    return session


# what a server started in this process would log to this process's console: each request
# that fails (with its JVM stack; the client raises the error itself, e.g. a path champion
# looks for and does not find) and the search for a streaming sink's metadata under a file
_QUIET_LOGGERS = (
    "org.apache.spark.sql.connect.utils.ErrorUtils",
    "org.apache.spark.sql.execution.streaming.sinks.FileStreamSink",
)


def _quiet_local_server() -> None:
    """The Spark Connect server of a local / local[N] remote runs in this process's JVM: logs
    at WARN, as local_session's, without _QUIET_LOGGERS. Best effort: the log stays as Spark
    set it when the JVM cannot be reached."""
    from pyspark import SparkContext

    context = SparkContext._active_spark_context
    if context is None or context._jvm is None:
        return
    try:
        context.setLogLevel("WARN")
        log4j = context._jvm.org.apache.logging.log4j
        for name in _QUIET_LOGGERS:
            log4j.core.config.Configurator.setLevel(name, log4j.Level.OFF)
    except Exception:  # py4j's errors: another logging backend, a JVM going down
        return


def _check_reachable(remote: str) -> None:
    """SparkUnavailable when nothing listens at an sc://HOST:PORT remote (default port 15002).
    The Connect client would otherwise retry for about ten minutes, the wait it allows a
    Databricks cluster to start; a host that answers is left to the client and its retries.
    Skipped behind a proxy (grpc's *_proxy variables), which this check would bypass."""
    parsed = urllib.parse.urlparse(remote)
    proxies = ("grpc_proxy", "https_proxy", "http_proxy", "GRPC_PROXY", "HTTPS_PROXY")
    if parsed.scheme != "sc" or any(os.environ.get(name) for name in proxies):
        return  # the client refuses other schemes itself
    try:
        host, port = parsed.hostname, parsed.port or DEFAULT_CONNECT_PORT
    except ValueError:  # a port that is not a number
        raise SparkUnavailable(
            f"{remote!r} is not a Spark Connect address (sc://HOST:PORT)."
        ) from None
    if not host:
        raise SparkUnavailable(f"{remote!r} names no host; give sc://HOST:PORT.")
    try:
        socket.create_connection((host, port), timeout=REACH_TIMEOUT).close()
    except OSError as exc:
        raise SparkUnavailable(
            f"no Spark Connect server answers at {remote} ({host}:{port}: {exc}). Check the "
            "address and port (sc://HOST:15002 by default), that the server runs, and that "
            "this machine can reach it."
        ) from None


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return (lines[0] if lines else type(exc).__name__)[:500]

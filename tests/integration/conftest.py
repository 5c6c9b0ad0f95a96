"""Real MLflow stores for the integration tests: a sqlite file and an ``mlflow server``
(started and stopped by ``servers.py``).

Both are session-scoped and built once (``store.build_titanic_like_store``); ``registry_store``
parametrizes a test over both. ``http_stub`` serves a fixed HTTP status for every request, to
test how registry failures are reported. Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Callable, Iterator

import dash
import pytest

from champion.dashboard.app import create_app
from champion.dashboard.config import DashboardConfig
from champion.demo import DemoSetup, prepare_demo
from champion.models.connection import HTTP_DEFAULTS

from .servers import RunningServer, launch_server, stop_server, wait_until_healthy
from .store import BuiltStore, build_titanic_like_store


@pytest.fixture(scope="session", autouse=True)
def _isolated_mlflow_env() -> Iterator[None]:
    """Start from MLflow's defaults whatever the shell exports; keep loopback off proxies."""
    with pytest.MonkeyPatch.context() as mp:
        for name in (*HTTP_DEFAULTS, "MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI"):
            mp.delenv(name, raising=False)
        for name in (
            "MLFLOW_TRACKING_USERNAME",
            "MLFLOW_TRACKING_PASSWORD",
            "MLFLOW_TRACKING_TOKEN",
        ):
            mp.delenv(name, raising=False)
        for name in ("NO_PROXY", "no_proxy"):
            mp.setenv(name, ",".join(filter(None, [os.environ.get(name), "127.0.0.1,localhost"])))
        yield


@pytest.fixture(scope="session")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> BuiltStore:
    """A sqlite MLflow store with the six ``titanic`` versions; artifacts under the same tmp."""
    root = tmp_path_factory.mktemp("sqlite-store")
    return build_titanic_like_store(f"sqlite:///{root / 'mlflow.db'}", root / "artifacts")


@pytest.fixture(scope="session")
def _server_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """Launch ``mlflow server`` (not waiting for it); stop its process group at the end."""
    root = tmp_path_factory.mktemp("mlflow-server")
    server = launch_server(root, root / "server.db")
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture(scope="session")
def mlflow_server(_server_process: RunningServer) -> RunningServer:
    """A real ``mlflow server`` on a free loopback port (sqlite backend, proxied artifacts).

    Waits for ``/health``; fails with the server's log tail if it exits or is not up in 60 s.
    """
    wait_until_healthy(_server_process)
    return _server_process


@pytest.fixture(scope="session")
def server_store(mlflow_server: RunningServer) -> BuiltStore:
    """The six ``titanic`` versions registered through the tracking server."""
    return build_titanic_like_store(mlflow_server.url, None)


def _server_wanted(session: pytest.Session) -> bool:
    return any(
        getattr(item, "callspec", None) is not None
        and item.callspec.params.get("registry_store") == "server"  # type: ignore[attr-defined]
        for item in session.items
    )


@pytest.fixture(scope="session", params=["sqlite", "server"])
def registry_store(request: pytest.FixtureRequest) -> BuiltStore:
    """Each test using it runs once against the sqlite store and once against the server.

    When server tests will follow, the server is launched before the sqlite store is built, so
    that its ~20 s start overlaps the build.
    """
    if request.param == "sqlite" and _server_wanted(request.session):
        request.getfixturevalue("_server_process")
    store: BuiltStore = request.getfixturevalue(f"{request.param}_store")
    return store


class _StubHandler(http.server.BaseHTTPRequestHandler):
    """Answers every request with the server's ``status`` and a plain-text body."""

    def _answer(self) -> None:
        status: int = self.server.status  # type: ignore[attr-defined]
        body = f"stub says {status}".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet."""


@pytest.fixture
def http_stub() -> Iterator[Callable[[int], str]]:
    """A factory: ``http_stub(503)`` starts a loopback server answering 503 and returns its URL."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(status: int) -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _StubHandler)
        server.status = status  # type: ignore[attr-defined]
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


# the dashboard over a real demo store (sqlite, three registered versions) -----------------------


@pytest.fixture(scope="session")
def demo_setup(tmp_path_factory: pytest.TempPathFactory) -> DemoSetup:
    return prepare_demo(tmp_path_factory.mktemp("dashboard-demo"))


@pytest.fixture(scope="session")
def config(demo_setup: DemoSetup) -> DashboardConfig:
    return DashboardConfig(
        tracking_uri=demo_setup.tracking_uri,
        model_name=demo_setup.model_name,
        data_source=demo_setup.data_source,
        recipe=demo_setup.recipe,
        cache_dir=demo_setup.cache_dir,
        n_boot=200,
    )


@pytest.fixture(scope="session")
def app(config: DashboardConfig) -> dash.Dash:
    return create_app(config)


@pytest.fixture
def ctx(app: dash.Dash) -> Iterator[None]:
    with app.server.test_request_context():
        yield


# the promote / rollback / history tests' own server and models (see actions_support.py)
from .actions_support import (  # noqa: E402, F401
    actions_server,
    kit,
    score_cache,
    titanic_csv,
)

# an S3 endpoint (moto's server) for the remote-data tests (see object_store.py)
from .object_store import s3  # noqa: E402, F401

# PostgreSQL + S3 (moto) + mlflow server, started by scripts/team-stack.sh (see team_stack.py)
from .team_stack import team_stack  # noqa: E402, F401

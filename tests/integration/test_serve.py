"""``champion serve`` against a running ``mlflow server``, and a dashboard that recovers when its
tracking server comes back."""

from __future__ import annotations

import json
import shutil
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from champion.dashboard import ids
from champion.dashboard.app import create_app
from champion.dashboard.config import DashboardConfig
from support.dash_client import DashClient, flask_client, http_client

from .servers import champion_serve, free_port, start_server, stop_server
from .store import TARGET, BuiltStore

pytestmark = pytest.mark.slow


def write_test_set(store: BuiltStore, folder: Path) -> Path:
    path = folder / "test.csv"
    store.test.to_csv(path, index=False)
    return path


def verdict(client: DashClient, versions: list[str]) -> str:
    status, body = client.call(
        f"{ids.VERDICT}.children",
        {
            f"{ids.VERSIONS_STORE}.data": versions,
            f"{ids.THRESHOLD_STORE}.data": 0.5,
            f"{ids.LANG_STORE}.data": "en",
        },
        [f"{ids.VERSIONS_STORE}.data"],
    )
    assert status == 200, body[:500]
    return json.dumps(json.loads(body)["response"])


def until(condition: object, what: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        last = condition()  # type: ignore[operator]
        if last:
            return str(last)
        time.sleep(1.0)
    raise AssertionError(f"{what} did not happen within {timeout:g} s; last: {last!r}")


@pytest.fixture
def served(server_store: BuiltStore, tmp_path: Path) -> Iterator[str]:
    """``champion serve`` (gunicorn, two workers) on the test server's ``titanic`` model."""
    options = [
        "--tracking-uri",
        server_store.tracking_uri,
        "--model",
        server_store.model_name,
        "--data",
        str(write_test_set(server_store, tmp_path)),
        "--target",
        TARGET,
        "--workers",
        "2",
        "--cache-dir",
        str(tmp_path / "cache"),
    ]
    with champion_serve(options, tmp_path / "serve.log", ready_path="/") as url:
        yield url


def test_serve_compares_versions_of_a_model_on_a_running_mlflow_server(served: str) -> None:
    with urllib.request.urlopen(served + "/", timeout=10) as response:
        page = response.read().decode()
    assert "Model comparison dashboard" in page
    client = http_client(served)
    # the versions are scored in the background of each worker (shared cache), then compared

    def compared() -> str:
        text = verdict(client, ["1", "2"])
        return text if "vs champion (version 1)" in text else ""

    text = until(compared, "the verdict of version 2 against the champion", timeout=180)
    assert "version 2" in text
    assert "rows" in text


@pytest.fixture
def store_copy(sqlite_store: BuiltStore, tmp_path: Path) -> Path:
    """A copy of the sqlite store's database, for a server this test stops and starts again."""
    database = tmp_path / "copy.db"
    shutil.copy(Path(sqlite_store.tracking_uri.removeprefix("sqlite:///")), database)
    return database


def picker(client: DashClient) -> dict[str, object]:
    status, body = client.call(
        f"{ids.MODEL_PICKER}.options",
        {f"{ids.URL}.pathname": "/", f"{ids.VERSIONS_STORE}.data": None},
        [f"{ids.URL}.pathname"],
    )
    assert status == 200  # the dashboard keeps serving whatever the registry does
    response: dict[str, object] = json.loads(body)["response"]
    return response


def test_the_page_reports_a_lost_tracking_server_and_recovers_when_it_returns(
    store_copy: Path, sqlite_store: BuiltStore, tmp_path: Path
) -> None:
    port = free_port()
    server = start_server(tmp_path, store_copy, port=port)
    try:
        config = DashboardConfig(
            tracking_uri=server.url,
            model_name=sqlite_store.model_name,
            data_source=str(write_test_set(sqlite_store, tmp_path)),
            target=TARGET,
            cache_dir=tmp_path / "cache",
            n_boot=50,
        )
        client = flask_client(create_app(config))
        first = picker(client)
        assert "version 1 @champion" in json.dumps(first[ids.MODEL_PICKER]["options"])  # type: ignore[index]

        stop_server(server)
        down = picker(client)
        assert down[ids.MODEL_PICKER]["options"] == []  # type: ignore[index]
        assert "cannot reach" in json.dumps(down[ids.ALERTS]).lower()

        server = start_server(tmp_path, store_copy, port=port)  # the same address comes back
        back = picker(client)
        assert "version 1 @champion" in json.dumps(back[ids.MODEL_PICKER]["options"])  # type: ignore[index]
        assert back[ids.ALERTS]["children"] is None  # type: ignore[index]
    finally:
        stop_server(server)


def test_serve_starts_while_the_tracking_server_is_down_and_recovers(
    store_copy: Path, sqlite_store: BuiltStore, tmp_path: Path
) -> None:
    port = free_port()  # nothing listens there yet
    options = [
        "--tracking-uri",
        f"http://127.0.0.1:{port}",
        "--model",
        sqlite_store.model_name,
        "--data",
        str(write_test_set(sqlite_store, tmp_path)),
        "--target",
        TARGET,
        "--workers",
        "1",
        "--cache-dir",
        str(tmp_path / "cache"),
    ]
    log = tmp_path / "down.log"
    with champion_serve(options, log) as url:
        client = http_client(url)
        down = picker(client)
        assert "cannot reach" in json.dumps(down[ids.ALERTS]).lower()
        assert "starts anyway" in log.read_text()
        assert "Control socket" not in log.read_text()  # gunicorn's is off
        server = start_server(tmp_path, store_copy, port=port)
        try:
            back = until(
                lambda: "@champion" in json.dumps(picker(client)) and "ok",
                "the picker once the tracking server is back",
                timeout=60,
            )
            assert back == "ok"
        finally:
            stop_server(server)

"""``champion serve --workers 2 --auth mlflow`` in front of MLflow's basic-auth app: users log in
with their MLflow accounts, the password stays on the server, and each user's requests carry
their own credentials, so MLflow decides: an EDIT account moves @champion (the history names
it), a READ account is told "permission denied" and nothing moves."""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow
import pytest
import requests

from champion.actions.audit import HISTORY_PREFIX
from champion.dashboard import ids
from support.dash_client import DashClient

from .servers import champion_serve
from .test_actions_auth import AuthServer, champion_and_locks, credentials
from .test_actions_auth import auth_server as auth_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dashboard(
    auth_server: AuthServer,
    titanic_csv: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Path]]:
    """The dashboard's URL and its cache folder; the server process holds no MLflow account."""
    root = tmp_path_factory.mktemp("mlflow-logins")
    options = [
        "--tracking-uri", auth_server.url, "--model", auth_server.model,
        "--data", str(titanic_csv), "--recipe", "titanic", "--cache-dir", str(root / "cache"),
        "--n-boot", "0", "--workers", "2", "--auth", "mlflow",
    ]  # fmt: skip
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHAMPION_SECRET_KEY", secrets.token_hex(32))
        for name in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
            mp.delenv(name, raising=False)
        with champion_serve(options, root / "serve.log") as url:
            yield url, root / "cache"


def browser(url: str) -> requests.Session:
    session = requests.Session()
    session.headers["Origin"] = url
    return session


def log_in(session: requests.Session, url: str, user: tuple[str, str]) -> requests.Response:
    page = session.get(f"{url}/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, page[:300]
    form = {"csrf_token": token.group(1), "name": user[0], "password": user[1]}
    return session.post(f"{url}/login", data=form, timeout=60, allow_redirects=False)


def callbacks(session: requests.Session, url: str) -> DashClient:
    def get(path: str) -> bytes:
        answer = session.get(url + path, timeout=60)
        assert answer.status_code == 200, (path, answer.status_code)
        return answer.content

    def post(path: str, body: bytes, headers: Any) -> tuple[int, bytes]:
        answer = session.post(url + path, data=body, headers=dict(headers), timeout=120)
        return answer.status_code, answer.content

    return DashClient(get, post)


def promote(client: DashClient, version: str, expected: str) -> str:
    """Confirm a promote dialog, again while the gate's scores are still being computed (the
    page says to try again then, and moves nothing); the page's answer (its alert) as text."""
    deadline = time.monotonic() + 180
    while True:
        answer = confirm_promote(client, version, expected)
        busy = "being scored" in answer or "in the background" in answer
        if not busy or time.monotonic() > deadline:
            return answer
        time.sleep(1)


def confirm_promote(client: DashClient, version: str, expected: str) -> str:
    store = {"action": "promote", "version": version, "expected": expected}
    status, body = client.call(
        f"{ids.REGISTRY_REFRESH}.data",
        {
            f"{ids.ACTION_CONFIRM}.n_clicks": 1,
            f"{ids.ACTION_STORE}.data": store,
            f"{ids.ACTION_REASON}.value": "canary passed",
            f"{ids.ACTION_TYPED}.value": version,
            f"{ids.ACTION_FORCE}.value": True,
            f"{ids.REGISTRY_REFRESH}.data": 0,
        },
        [f"{ids.ACTION_CONFIRM}.n_clicks"],
    )
    assert status == 200, body[:500]
    return json.dumps(json.loads(body)["response"])


def newest_history_entry(auth: AuthServer) -> str:
    """The newest history tag of the model, as the admin reads it."""
    with credentials(auth.admin):
        tags = mlflow.MlflowClient(auth.url).get_registered_model(auth.model).tags
    entries = sorted(key for key in tags if key.startswith(HISTORY_PREFIX))
    return str(tags[entries[-1]])


def cookie_payload(session: requests.Session) -> str:
    """The session cookie as the browser holds it, its payload decoded (Flask: base64 JSON,
    zlib-compressed when it starts with a dot)."""
    value = session.cookies.get("champion_session") or ""
    compressed = value.startswith(".")
    data = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode()


def test_mlflow_accounts_log_in_and_mlflow_decides_who_moves_the_alias(
    auth_server: AuthServer,
    dashboard: tuple[str, Path],
) -> None:
    url, cache = dashboard
    anonymous = requests.get(f"{url}/registry", timeout=30, allow_redirects=False)
    assert anonymous.status_code == 302  # to the login page

    wrong = log_in(browser(url), url, (auth_server.editor[0], "not-the-password"))
    assert wrong.status_code == 401

    editor = browser(url)
    assert log_in(editor, url, auth_server.editor).status_code == 302
    payload = cookie_payload(editor)
    assert auth_server.editor[0] in payload
    assert auth_server.editor[1] not in payload  # the password stays on the server
    stored = list((cache / "logins").glob("*.login"))
    assert len(stored) == 1
    assert auth_server.editor[1].encode() not in stored[0].read_bytes()  # and encrypted there

    before, _ = champion_and_locks(auth_server)
    target = "3" if before != "3" else "2"
    answer = promote(callbacks(editor, url), target, before or "")
    assert champion_and_locks(auth_server) == (target, []), answer
    entry = json.loads(newest_history_entry(auth_server))
    assert entry["user"].startswith(auth_server.editor[0]), entry
    assert (entry["to"], entry["outcome"]) == (target, "applied"), entry

    reader = browser(url)
    assert log_in(reader, url, auth_server.reader).status_code == 302
    refused = promote(callbacks(reader, url), before or "1", target)
    assert "permission denied" in refused
    assert champion_and_locks(auth_server) == (target, [])

    # logging out forgets the credentials and ends the session
    assert reader.post(f"{url}/logout", timeout=30, allow_redirects=False).status_code == 302
    assert len(list((cache / "logins").glob("*.login"))) == 1
    after = reader.get(f"{url}/registry", timeout=30, allow_redirects=False)
    assert after.status_code == 302

"""promote against MLflow's basic-auth app: an EDIT account moves the alias; a READ account is
told "permission denied" (not "server down"), exit 2, with the alias unchanged and no lock left."""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import mlflow
import pytest
import requests
from click.testing import CliRunner, Result

from champion.cli.main import champion as champion_cli

from .actions_support import ModelKit
from .servers import RunningServer, start_server, stop_server

pytestmark = pytest.mark.slow  # its own server (~20 s to start)


@dataclass(frozen=True)
class AuthServer:
    server: RunningServer
    admin: tuple[str, str]
    editor: tuple[str, str]
    reader: tuple[str, str]
    model: str

    @property
    def url(self) -> str:
        return self.server.url


@contextlib.contextmanager
def credentials(user: tuple[str, str]) -> Iterator[None]:
    """MLflow's client reads the basic-auth credentials from these variables on each request."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_USERNAME", user[0])
        mp.setenv("MLFLOW_TRACKING_PASSWORD", user[1])
        yield


def admin_post(base: str, path: str, admin: tuple[str, str], body: dict[str, str]) -> int:
    response = requests.post(f"{base}{path}", json=body, auth=admin, timeout=10)
    assert response.status_code in (200, 404), response.text
    return response.status_code


def grant_edit(base: str, admin: tuple[str, str], user: str, model: str) -> None:
    """EDIT on one registered model: MLflow 3.17's grant API, else the older per-model one."""
    grant = {"username": user, "resource_type": "registered_model", "resource_id": model}
    if (
        admin_post(
            base, "/api/3.0/mlflow/users/permissions/grant", admin, {**grant, "permission": "EDIT"}
        )
        == 200
    ):
        return
    legacy = {"name": model, "username": user, "permission": "EDIT"}
    status = admin_post(base, "/api/2.0/mlflow/registered-models/permissions/create", admin, legacy)
    assert status == 200


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthServer]:
    root = tmp_path_factory.mktemp("auth-server")
    admin = ("admin", f"admin-{secrets.token_hex(8)}")  # not MLflow's documented default
    config = root / "basic_auth.ini"
    config.write_text(
        "[mlflow]\n"
        "default_permission = READ\n"
        f"database_uri = sqlite:///{root / 'auth.db'}\n"
        f"admin_username = {admin[0]}\n"
        f"admin_password = {admin[1]}\n"
        "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
        # each request otherwise re-hashes the password (PBKDF2, ~0.7 s on a busy 2-core machine)
        "auth_cache_ttl_seconds = 60\n"
    )
    env = {
        "MLFLOW_AUTH_CONFIG_PATH": str(config),
        "MLFLOW_FLASK_SERVER_SECRET_KEY": secrets.token_hex(16),
    }
    server = start_server(root, root / "mlflow.db", app_name="basic-auth", env=env)
    try:
        editor = ("editor", f"edit-{secrets.token_hex(6)}")
        reader = ("reader", f"read-{secrets.token_hex(6)}")
        for user in (editor, reader):
            body = {"username": user[0], "password": user[1]}
            assert admin_post(server.url, "/api/2.0/mlflow/users/create", admin, body) == 200
        with credentials(admin):
            kit = ModelKit(server.url)
            kit.log_models()
            name = kit.new_model(["good", "good", "good"])
        grant_edit(server.url, admin, editor[0], name)
        yield AuthServer(server, admin, editor, reader, name)
    finally:
        stop_server(server)


def cli(user: tuple[str, str], *args: object) -> Result:
    env = {"MLFLOW_TRACKING_USERNAME": user[0], "MLFLOW_TRACKING_PASSWORD": user[1]}
    return CliRunner().invoke(champion_cli, [str(a) for a in args], env=env)


def champion_and_locks(auth: AuthServer) -> tuple[str | None, list[str]]:
    """The @champion version and the lock models, as the admin sees them."""
    with credentials(auth.admin):
        client = mlflow.MlflowClient(auth.url)
        aliases = client.get_registered_model(auth.model).aliases or {}
        locks = client.search_registered_models("name LIKE 'champion-lock.%'")
    version = aliases.get("champion")
    return (None if version is None else str(version)), [str(m.name) for m in locks]


def promote(auth: AuthServer, user: tuple[str, str], version: str) -> Result:
    return cli(
        user, "promote", auth.model, version, "--reason", f"by {user[0]}", "--force",
        "--tracking-uri", auth.url,
    )  # fmt: skip


def test_an_edit_account_promotes(auth_server: AuthServer) -> None:
    done = promote(auth_server, auth_server.editor, "2")
    assert done.exit_code == 0, done.output
    assert champion_and_locks(auth_server) == ("2", [])
    shown = cli(
        auth_server.editor, "history", auth_server.model, "--tracking-uri", auth_server.url,
        "--format", "json",
    )  # fmt: skip
    assert shown.exit_code == 0, shown.output
    [entry] = json.loads(shown.stdout)["entries"]
    assert (entry["user"], entry["outcome"], entry["to_version"]) == ("editor", "applied", "2")


def test_a_read_account_is_denied_and_leaves_nothing_behind(auth_server: AuthServer) -> None:
    before, _ = champion_and_locks(auth_server)
    denied = promote(auth_server, auth_server.reader, "3")
    assert denied.exit_code == 2, denied.output
    assert "permission denied" in denied.stderr
    assert "reader" in denied.stderr
    assert "cannot reach" not in denied.stderr
    assert "Traceback" not in denied.output
    assert champion_and_locks(auth_server) == (before, [])
    # reading is allowed: the READ account sees the history, without its failed attempt
    shown = cli(
        auth_server.reader, "history", auth_server.model, "--tracking-uri", auth_server.url,
        "--format", "json",
    )  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert all(e["user"] != "reader" for e in json.loads(shown.stdout)["entries"])


def test_wrong_credentials_are_an_authentication_error(auth_server: AuthServer) -> None:
    refused = promote(auth_server, ("editor", "wrong-password"), "3")
    assert refused.exit_code == 2
    assert "authentication failed" in refused.stderr
    assert "HTTP 401" in refused.stderr


def test_the_server_runs_with_auth(auth_server: AuthServer) -> None:
    """Without credentials the server answers 401: the accounts above are really checked."""
    anonymous = requests.get(
        f"{auth_server.url}/api/2.0/mlflow/registered-models/get",
        params={"name": auth_server.model},
        timeout=10,
    )
    assert anonymous.status_code == 401

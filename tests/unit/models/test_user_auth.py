"""The credentials MLflow requests are made with under ``serve --auth mlflow``: the acting
user's (also from MLflow's artifact threads), else the server's own; and the login check
against a server's basic-auth endpoints (a loopback HTTP server answering as MLflow's would)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from champion.models import user_auth
from champion.models.connection import RegistryAccessError, RegistryUnreachable
from champion.models.user_auth import Credentials, UserAuthProvider
from support.basic_auth import basic_auth_server


@pytest.fixture
def service_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The server's own account in the environment; the module's state restored afterwards."""
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "service")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "service-password")
    monkeypatch.delenv("MLFLOW_TRACKING_AUTH", raising=False)
    saved = user_auth._service[0]
    yield
    user_auth._service[0] = saved


def test_requests_carry_the_acting_users_credentials_else_the_servers(service_env: None) -> None:
    user_auth.use_user_credentials()
    assert os.environ["MLFLOW_TRACKING_AUTH"] == "champion-user"
    assert "MLFLOW_TRACKING_PASSWORD" not in os.environ  # MLflow would send it instead
    provider = UserAuthProvider()
    assert provider.get_auth().username == "service"
    token = user_auth.acting_as(Credentials("ana", "right-password"))
    try:
        auth = provider.get_auth()
        assert (auth.username, auth.password) == ("ana", "right-password")
        assert "right-password" not in repr(user_auth.current())
    finally:
        user_auth.stop_acting(token)
    assert provider.get_auth().username == "service"


def test_mlflow_finds_the_provider_by_its_name(service_env: None) -> None:
    from mlflow.tracking.request_auth.registry import fetch_auth

    token = user_auth.acting_as(Credentials("ana", "pw"))
    try:
        assert fetch_auth(user_auth.PROVIDER_NAME).username == "ana"
    finally:
        user_auth.stop_acting(token)


def test_mlflows_artifact_threads_act_for_the_user_who_started_the_download(
    service_env: None,
) -> None:
    from mlflow.store.artifact.local_artifact_repo import LocalArtifactRepository

    user_auth.use_user_credentials()
    repository = LocalArtifactRepository("/nonexistent-artifacts")
    token = user_auth.acting_as(Credentials("ana", "pw"))
    try:
        seen = repository.thread_pool.submit(lambda: user_auth.current()).result()
    finally:
        user_auth.stop_acting(token)
    assert seen == Credentials("ana", "pw")
    other = repository.thread_pool.submit(lambda: user_auth.current()).result()
    assert other == Credentials("service", "service-password")


@pytest.mark.parametrize("old", [False, True])
def test_a_login_is_checked_with_the_tracking_server(old: bool) -> None:
    with basic_auth_server(old=old) as url:
        assert user_auth.check_login(url, "ana", "right-password") is True
        assert user_auth.check_login(url, "ana", "wrong") is False
        assert user_auth.check_login(url, "nobody", "right-password") is False


def test_a_server_without_logins_of_its_own_is_named() -> None:
    with (
        basic_auth_server(no_logins=True) as url,
        pytest.raises(RegistryAccessError, match="--app-name basic-auth"),
    ):
        user_auth.check_login(url, "ana", "right-password")


def test_an_unreachable_server_is_named() -> None:
    with basic_auth_server() as url:
        pass  # closed: nothing listens there now
    with pytest.raises(RegistryUnreachable, match="cannot check the login"):
        user_auth.check_login(url, "ana", "right-password")

"""Requests to the tracking server made as the dashboard's logged-in user.

With ``champion serve --auth mlflow`` the dashboard's users log in with their MLflow accounts
(the server's basic-auth app). Each request of the dashboard then reaches MLflow with that
user's own credentials, so MLflow's permissions decide who may read the model and move its
aliases, and MLflow records who did. MLflow's client takes request credentials from a *request
auth provider* named by ``MLFLOW_TRACKING_AUTH`` (a public plugin point: the entry point
``mlflow.request_auth_provider``); :class:`UserAuthProvider` answers with the credentials set
for the current context (a Flask request, or background work started from one) by
:func:`acting_as`, else with the server's own (``MLFLOW_TRACKING_USERNAME`` and
``MLFLOW_TRACKING_PASSWORD`` as they were when :func:`use_user_credentials` ran).
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests
from mlflow.tracking.request_auth.abstract_request_auth_provider import RequestAuthProvider

from champion.errors import ChampionError
from champion.models.connection import RegistryAccessError, RegistryUnreachable

PROVIDER_NAME = "champion-user"
_LOGIN_TIMEOUT = 15.0


@dataclass(frozen=True)
class Credentials:
    """An MLflow account: its user name and password (never shown in a repr)."""

    username: str
    password: str = field(repr=False)


_current: contextvars.ContextVar[Credentials | None] = contextvars.ContextVar(
    "champion_mlflow_user", default=None
)
_service: list[Credentials | None] = [None]  # the server's own account, once captured


def acting_as(credentials: Credentials) -> contextvars.Token[Credentials | None]:
    """Make MLflow requests of the current context with credentials; undo with stop_acting."""
    return _current.set(credentials)


def stop_acting(token: contextvars.Token[Credentials | None]) -> None:
    _current.reset(token)


def current() -> Credentials | None:
    """The credentials MLflow requests of this context are made with (None: the server's)."""
    return _current.get() or _service[0]


def use_user_credentials() -> None:
    """Route every MLflow request of this process through :class:`UserAuthProvider`: the
    server's own basic-auth variables are kept for work no user started, and removed from the
    environment (MLflow would send them instead of asking the provider)."""
    username = os.environ.pop("MLFLOW_TRACKING_USERNAME", None)
    password = os.environ.pop("MLFLOW_TRACKING_PASSWORD", None)
    if username and password:
        _service[0] = Credentials(username, password)
    _artifact_threads_act_for_their_caller()
    os.environ["MLFLOW_TRACKING_AUTH"] = PROVIDER_NAME


class _ContextPool(ThreadPoolExecutor):
    """A thread pool whose tasks run in a copy of the context they were submitted from."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


def _artifact_threads_act_for_their_caller() -> None:
    """MLflow downloads artifacts on its repositories' thread pools, where a context variable
    set by the request is unset: the download would go out without the user's credentials (or,
    worse, with nobody's). Its repositories make their pools in one method; theirs now carry
    the submitting context along."""
    from mlflow.store.artifact.artifact_repo import ArtifactRepository

    if not callable(getattr(ArtifactRepository, "_create_thread_pool", None)):
        raise ChampionError(
            "--auth mlflow cannot pass users' credentials to this MLflow version's artifact "
            "downloads (ArtifactRepository._create_thread_pool is gone); use --auth file, or "
            "an MLflow version champion supports (see pyproject.toml)"
        )

    def create_thread_pool(repository: Any) -> ThreadPoolExecutor:
        return _ContextPool(
            max_workers=repository.max_workers,
            thread_name_prefix=f"Mlflow{type(repository).__name__}",
        )

    ArtifactRepository._create_thread_pool = create_thread_pool  # type: ignore[method-assign]


class UserAuthProvider(RequestAuthProvider):
    """MLflow's request auth for ``MLFLOW_TRACKING_AUTH=champion-user``."""

    def get_name(self) -> str:
        return PROVIDER_NAME

    def get_auth(self) -> Any:
        credentials = current()
        if credentials is None:
            return None
        return requests.auth.HTTPBasicAuth(credentials.username, credentials.password)


def check_login(tracking_uri: str, username: str, password: str) -> bool:
    """Whether the MLflow server at tracking_uri accepts username and password (its
    basic-auth app: ``GET /api/2.0/mlflow/users/current``). Raises RegistryAccessError when
    the server cannot say (down, an error, or no logins of its own)."""
    base = tracking_uri.rstrip("/")
    auth = requests.auth.HTTPBasicAuth(username, password)
    try:
        response = requests.get(
            f"{base}/api/2.0/mlflow/users/current", auth=auth, timeout=_LOGIN_TIMEOUT
        )
        if response.status_code == 404:  # servers before /users/current
            response = requests.get(
                f"{base}/api/2.0/mlflow/users/get",
                params={"username": username},
                auth=auth,
                timeout=_LOGIN_TIMEOUT,
            )
    except requests.RequestException as exc:
        raise RegistryUnreachable(
            f"cannot check the login with the tracking server ({type(exc).__name__})",
            uri=tracking_uri,
        ) from None
    if response.status_code == 401:
        return False
    if response.status_code == 200:
        return True
    if response.status_code == 404:
        raise RegistryAccessError(
            "the tracking server has no logins of its own (start it with --app-name basic-auth),"
            " so --auth mlflow cannot check passwords against it",
            uri=tracking_uri,
        )
    raise RegistryAccessError(
        f"the tracking server answered HTTP {response.status_code} to a login check",
        uri=tracking_uri,
    )

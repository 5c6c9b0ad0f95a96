"""Reaching the tracking server quickly, and saying precisely why it failed when it does.

HTTP budget
-----------
MLflow's REST client reads its timeout and retry policy from environment variables on every
request (``mlflow/utils/rest_utils.py: http_request``). Its defaults (120 s timeout, 7 retries
with exponential backoff) make a dead server look like a hang of several minutes, so
``apply_http_defaults`` sets, *only for the variables the user has not set*:

====================================  =====  ===========================================
variable                              value  meaning
====================================  =====  ===========================================
MLFLOW_HTTP_REQUEST_TIMEOUT           4      seconds to connect, and per socket read
MLFLOW_HTTP_REQUEST_MAX_RETRIES       2      retries of connection errors and of 408/429/5xx
MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR    1      sleeps 0 s, then 2 s between attempts
MLFLOW_HTTP_REQUEST_BACKOFF_JITTER    0.5    plus up to 0.5 s of random jitter
MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER false a server's Retry-After cannot stretch the wait
====================================  =====  ===========================================

Worst case for one request: 3 attempts x 4 s + 2.5 s of sleep = 14.5 s (a host that drops
packets); a refused connection or a 5xx fails after about 2.5 s. Export any of the variables to
override it (e.g. a slow server behind a proxy); ``os.environ.setdefault`` never clobbers them.

Errors
------
``classify`` turns what MLflow, requests, the store or champion's own REST reader (``ApiError``,
see ``champion.models.rest``) raise into one ``RegistryAccessError`` subclass per cause; its
``kind`` says which (``unreachable``, ``unauthenticated``, ``forbidden``, ``server_error``,
``invalid_store``, ``unexpected``). MLflow's exceptions are recognised without importing MLflow:
if it was never imported, nothing raised one.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Iterator, MutableMapping
from pathlib import Path
from types import ModuleType
from typing import ClassVar, TypeVar
from urllib.parse import unquote, urlparse

import requests

from champion.errors import ChampionError, RegistryError

HTTP_DEFAULTS: dict[str, str] = {
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "4",
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": "0.5",
    "MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER": "false",
}
T = TypeVar("T")
URI_HINT = "check --tracking-uri / MLFLOW_TRACKING_URI"
NOT_FOUND_CODES = frozenset({"RESOURCE_DOES_NOT_EXIST", "NOT_FOUND"})


class RegistryAccessError(RegistryError):
    """The registry could not be used; ``kind`` names the cause, ``uri`` the registry."""

    kind: ClassVar[str] = "unexpected"

    def __init__(self, message: str, *, uri: str, status: int | None = None) -> None:
        super().__init__(message)
        self.uri = uri
        self.status = status


class RegistryUnreachable(RegistryAccessError):
    """No answer: connection refused, DNS failure, TLS failure or timeout."""

    kind = "unreachable"


class RegistryAuthError(RegistryAccessError):
    """HTTP 401: no credentials, or wrong ones."""

    kind = "unauthenticated"


class RegistryPermissionDenied(RegistryAccessError):
    """HTTP 403: the account is known but may not do this."""

    kind = "forbidden"


class RegistryServerError(RegistryAccessError):
    """HTTP 5xx (or 429 after the retries): the server itself failed."""

    kind = "server_error"


class RegistryStoreError(RegistryAccessError):
    """The tracking URI does not name a usable store (missing sqlite file, not an MLflow API)."""

    kind = "invalid_store"


def apply_http_defaults(environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """Set MLflow's HTTP timeout and retry variables the user left unset; return those set."""
    env = os.environ if environ is None else environ
    applied = {key: value for key, value in HTTP_DEFAULTS.items() if key not in env}
    for key, value in applied.items():
        env.setdefault(key, value)
    return applied


def is_http(uri: str) -> bool:
    """Whether the tracking URI names a server (rather than a local store)."""
    return urlparse(uri).scheme in ("http", "https")


def check_store_uri(uri: str, *, must_exist: bool = True) -> None:
    """Refuse a local store that is not there, before MLflow silently creates an empty one.

    MLflow creates a missing sqlite file *and its directories* on first use, so a typo in
    ``--tracking-uri`` would otherwise show an empty registry.
    """
    parsed = urlparse(uri)
    if parsed.scheme == "sqlite":
        raw = uri.split("?", 1)[0].removeprefix("sqlite://")
        if raw in ("", "/", "/:memory:"):
            return
        path = Path(unquote(raw[1:]))  # sqlite:///rel.db -> rel.db, sqlite:////abs -> /abs
        if not path.parent.is_dir():
            raise RegistryStoreError(
                f"the sqlite tracking store {uri} is in a directory that does not exist "
                f"({path.parent}): {URI_HINT}",
                uri=uri,
            )
        if must_exist and not path.is_file():
            raise RegistryStoreError(
                f"there is no MLflow database at {path} (from {uri}): {URI_HINT}", uri=uri
            )
    elif parsed.scheme in ("", "file"):
        path = Path(unquote(parsed.path) if parsed.scheme == "file" else uri)
        if must_exist and not path.is_dir():
            raise RegistryStoreError(
                f"there is no MLflow file store at {path} (from {uri}): {URI_HINT}", uri=uri
            )


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it was raised from or while handling, without cycles."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)


_STATUS_IN_TEXT = (
    re.compile(r"too many (\d{3}) error responses"),
    re.compile(r"error code (\d{3}) != \d{3}"),
    re.compile(r"\b(\d{3}) (?:Client|Server) Error"),
)


class ApiError(Exception):
    """An error answer of the tracking server's REST API (``champion.models.rest``).

    ``status`` is the HTTP status; ``error_code`` MLflow's code (``RESOURCE_DOES_NOT_EXIST``,
    ...) when the body was an MLflow error, else None (a proxy's page, a server that is not
    MLflow).
    """

    def __init__(self, message: str, *, status: int, error_code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code


def _mlflow_exceptions() -> ModuleType | None:
    """``mlflow.exceptions`` if something imported it, else None: then no exception can be an
    ``MlflowException``, and classifying one need not import MLflow."""
    return sys.modules.get("mlflow.exceptions")


def _status_of(exc: BaseException) -> int | None:
    """The HTTP status behind an exception, when one is known."""
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return int(exc.response.status_code)
    if isinstance(exc, ApiError):
        return exc.status
    for pattern in _STATUS_IN_TEXT:
        if match := pattern.search(str(exc)):
            return int(match.group(1))
    errors = _mlflow_exceptions()
    if errors is not None and isinstance(exc, errors.MlflowException):
        if exc.error_code in ("UNAUTHENTICATED", "CUSTOMER_UNAUTHORIZED"):
            return 401
        if exc.error_code == "PERMISSION_DENIED":
            return 403
        if isinstance(exc, errors.RestException):  # the server answered an MLflow error body
            status: int = errors.ERROR_CODE_TO_HTTP_STATUS.get(str(exc.error_code), 500)
            return status
    return None


def is_not_found(exc: BaseException) -> bool:
    """Whether the requested entity or artifact does not exist.

    MLflow's RESOURCE_DOES_NOT_EXIST, a missing local file, or HTTP 404 from an artifact store.
    """
    errors = _mlflow_exceptions()
    for cause in _chain(exc):
        if isinstance(cause, ApiError) and cause.error_code in NOT_FOUND_CODES:
            return True
        if (
            errors is not None
            and isinstance(cause, errors.MlflowException)
            and cause.error_code in NOT_FOUND_CODES
        ):
            return True
        if isinstance(cause, FileNotFoundError):
            return True
        if isinstance(cause, requests.HTTPError) and _status_of(cause) == 404:
            return True
    return False


_ERRNO = re.compile(r"\[Errno -?\d+\] [^'\")\]]+")
_RETRIES = re.compile(r"too many \d{3} error responses")


def _detail(exc: BaseException, limit: int = 300) -> str:
    """The informative part of an error: the OS error or retry summary if any, else its text."""
    text = " ".join(str(exc).split())
    if match := _ERRNO.search(text) or _RETRIES.search(text):
        return match.group(0).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _budget() -> str:
    timeout = os.environ.get("MLFLOW_HTTP_REQUEST_TIMEOUT", "120")
    retries = os.environ.get("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "7")
    return f"MLFLOW_HTTP_REQUEST_TIMEOUT={timeout} s, MLFLOW_HTTP_REQUEST_MAX_RETRIES={retries}"


def classify(exc: BaseException, uri: str, action: str, elapsed: float) -> RegistryAccessError:
    """The ``RegistryAccessError`` that explains why ``action`` against ``uri`` failed."""
    chain = list(_chain(exc))
    status = next((s for s in map(_status_of, chain) if s is not None), None)
    if status is None:
        for cause in chain:
            if isinstance(cause, requests.ReadTimeout) or (
                isinstance(cause, requests.ConnectionError) and "Read timed out" in str(cause)
            ):
                return RegistryUnreachable(
                    f"the tracking server at {uri} did not answer within {elapsed:.1f} s "
                    f"({_budget()}) while trying to {action}: is it overloaded? "
                    "raise MLFLOW_HTTP_REQUEST_TIMEOUT if it is just slow",
                    uri=uri,
                )
            if isinstance(cause, requests.ConnectionError | requests.Timeout):
                return RegistryUnreachable(
                    f"cannot reach the tracking server at {uri} within {elapsed:.1f} s "
                    f"({_budget()}): is it running? {URI_HINT} "
                    f"(detail: {_detail(cause)})",
                    uri=uri,
                )
    if status == 401:
        user = os.environ.get("MLFLOW_TRACKING_USERNAME")
        given = f"the credentials of {user!r} were rejected; " if user else ""
        return RegistryAuthError(
            f"authentication failed at {uri} (HTTP 401) while trying to {action}: {given}"
            "set MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN",
            uri=uri,
            status=401,
        )
    if status == 403:
        user = os.environ.get("MLFLOW_TRACKING_USERNAME") or "in use"
        return RegistryPermissionDenied(
            f"permission denied (HTTP 403): the account {user} lacks the permission to {action} "
            f"on {uri} (MLflow: READ to view and download, EDIT to move aliases); "
            "ask the server's admin to grant it",
            uri=uri,
            status=403,
        )
    if status is not None and (status >= 500 or status == 429):
        what = "kept refusing the request" if status == 429 else "failed"
        return RegistryServerError(
            f"the tracking server at {uri} {what} (HTTP {status}) while trying to {action}: "
            f"check its logs (detail: {_detail(exc)})",
            uri=uri,
            status=status,
        )
    if status == 404 and is_http(uri):
        return RegistryStoreError(
            f"{uri} answered HTTP 404 to the MLflow REST API while trying to {action}: "
            f"is it an MLflow tracking server (and the right URL prefix)? {URI_HINT}",
            uri=uri,
            status=404,
        )
    where = "tracking server" if is_http(uri) else "tracking store"
    return RegistryAccessError(
        f"the {where} at {uri} refused to {action}: {_detail(exc)}", uri=uri, status=status
    )


def is_registry_failure(exc: BaseException) -> bool:
    """Whether ``classify`` should explain ``exc`` (MLflow, HTTP, file or database errors)."""
    errors = _mlflow_exceptions()
    if errors is not None and isinstance(exc, errors.MlflowException):
        return True
    return isinstance(exc, ApiError | requests.RequestException | OSError) or (
        type(exc).__module__.startswith("sqlalchemy")
    )


def guarded(
    uri: str, action: str, fn: Callable[[], T], missing: Callable[[], ChampionError] | None = None
) -> T:
    """Run one registry call ``fn``; explain its failure.

    "Does not exist" raises ``missing()`` (when given); MLflow, HTTP, file and database errors
    raise the ``RegistryAccessError`` from ``classify``; anything else (a bug) propagates as is.
    """
    start = time.monotonic()
    try:
        return fn()
    except ChampionError:
        raise
    except Exception as exc:
        if missing is not None and is_not_found(exc):
            raise missing() from exc
        if not is_registry_failure(exc):
            raise
        raise classify(exc, uri, action, time.monotonic() - start) from exc

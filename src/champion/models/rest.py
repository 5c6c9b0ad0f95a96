"""Reading a tracking server's model registry over its REST API, without importing MLflow.

Importing MLflow takes seconds, yet a warm ``champion compare`` only reads a few facts from the
registry: a registered model's aliases, one version, where its artifacts are and whether its
``MLmodel`` file declares a signature. ``RestReader`` makes those GET requests itself, with
``requests``, as MLflow's REST client would (``mlflow/utils/rest_utils.py``):

- credentials: ``MLFLOW_TRACKING_USERNAME`` and ``MLFLOW_TRACKING_PASSWORD`` (HTTP basic; each
  falls back to ``~/.mlflow/credentials``), else ``MLFLOW_TRACKING_TOKEN`` (bearer);
- TLS: ``MLFLOW_TRACKING_INSECURE_TLS`` (no verification), ``MLFLOW_TRACKING_SERVER_CERT_PATH``
  (a CA bundle; not both), ``MLFLOW_TRACKING_CLIENT_CERT_PATH`` (a client certificate);
- budget: ``MLFLOW_HTTP_REQUEST_TIMEOUT``, ``_MAX_RETRIES``, ``_BACKOFF_FACTOR``,
  ``_BACKOFF_JITTER`` and ``MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER``, with MLflow's defaults
  (``MlflowRegistry`` sets champion's shorter ones first, see ``champion.models.connection``);
  connection errors and 408/429/5xx answers are retried; ``MLFLOW_ALLOW_HTTP_REDIRECTS``.

``rest_usable`` says when a URI can be read this way: an http(s) server, and none of the MLflow
settings this module does not implement (an auth plugin, AWS SigV4, a workspace, a plugin that
adds request headers); ``MlflowRegistry`` uses MLflow's client otherwise.

A non-200 answer raises ``ApiError`` (its status, and MLflow's error code when the body is an
MLflow error); network failures raise what ``requests`` raises. Callers run each read through
``champion.models.connection.guarded``, which turns both into the same ``ModelError`` or
``RegistryAccessError`` as MLflow's own failures.
"""

from __future__ import annotations

import base64
import configparser
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import quote, urlparse

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from champion import __version__
from champion.models.connection import ApiError, RegistryAccessError, is_http
from champion.models.refs import MODEL_ID_PATTERN

API = "/api/2.0/mlflow"
ARTIFACTS_API = "/api/2.0/mlflow-artifacts/artifacts"
RETRY_CODES = (408, 429, 500, 502, 503, 504)  # MLflow's transient failures
PAGE_SIZE = 100
ARTIFACT_LIMIT = 16 * 1024 * 1024  # bytes of one artifact read into memory (an MLmodel file)

# MLflow's defaults, for the variables neither the user nor apply_http_defaults set
_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "120",
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "7",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": "1.0",
    "MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER": "true",
    "MLFLOW_ALLOW_HTTP_REDIRECTS": "true",
}
# MLflow client features this module does not implement: their presence means "use MLflow"
_UNSUPPORTED = ("MLFLOW_TRACKING_AUTH", "MLFLOW_WORKSPACE")
# plugins of these entry-point groups would add headers to every MLflow request
_HEADER_PLUGINS = "mlflow.request_header_provider"


@dataclass(frozen=True)
class ModelRecord:
    """A registered model as the registry describes it (MLflow's ``RegisteredModel``)."""

    name: str
    description: str | None = None
    aliases: Mapping[str, str] = field(default_factory=dict)  # alias -> version
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VersionRecord:
    """A model version as the registry describes it (MLflow's ``ModelVersion``)."""

    name: str
    version: str
    creation_timestamp: int  # milliseconds since the epoch
    run_id: str | None = None
    model_id: str | None = None  # the MLflow 3 logged model, from ``model_id`` or ``source``
    source: str = ""
    description: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


def model_id_of(model_id: str | None, source: str | None) -> str | None:
    """The logged model behind a version; MLflow 3 often leaves ``model_id`` empty and names it
    in the source (``models:/m-...``) instead."""
    if model_id:
        return str(model_id)
    match = MODEL_ID_PATTERN.search(source or "")
    return match.group(0) if match and (source or "").startswith("models:/") else None


def filter_value(value: str) -> str:
    """Quote a value for an MLflow search filter."""
    return f'"{value}"' if "'" in value else f"'{value}'"


def _pairs(items: Any, key: str, value: str) -> dict[str, str]:
    """``[{"key": k, "value": v}, ...]`` (MLflow's JSON for tags and aliases) as a dict."""
    return {str(item[key]): str(item.get(value, "")) for item in items or () if key in item}


def model_record(data: Mapping[str, Any]) -> ModelRecord:
    """A ``RegisteredModel`` of the REST API's JSON."""
    return ModelRecord(
        name=str(data["name"]),
        description=data.get("description") or None,
        aliases=MappingProxyType(_pairs(data.get("aliases"), "alias", "version")),
        tags=MappingProxyType(_pairs(data.get("tags"), "key", "value")),
    )


def version_record(data: Mapping[str, Any]) -> VersionRecord:
    """A ``ModelVersion`` of the REST API's JSON."""
    source = str(data.get("source") or "")
    return VersionRecord(
        name=str(data["name"]),
        version=str(data["version"]),
        creation_timestamp=int(data.get("creation_timestamp") or 0),
        run_id=data.get("run_id") or None,
        model_id=model_id_of(data.get("model_id"), source),
        source=source,
        description=data.get("description") or None,
        tags=MappingProxyType(_pairs(data.get("tags"), "key", "value")),
    )


def _flag(environ: Mapping[str, str], name: str) -> bool:
    return environ.get(name, _DEFAULTS.get(name, "false")).strip().lower() in ("true", "1")


def _header_plugins() -> bool:
    """Whether a package plugs request headers into MLflow's client (we would miss them)."""
    from importlib.metadata import entry_points

    return any(True for _ in entry_points(group=_HEADER_PLUGINS))


def rest_usable(uri: str, environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``RestReader`` reads the registry at ``uri`` exactly as MLflow's client would."""
    env = os.environ if environ is None else environ
    if not is_http(uri) or any(env.get(name, "").strip() for name in _UNSUPPORTED):
        return False
    return not _flag(env, "MLFLOW_TRACKING_AWS_SIGV4") and not _header_plugins()


def _file_credentials() -> tuple[str | None, str | None]:
    """Username and password of ``~/.mlflow/credentials`` (section ``[mlflow]``), as MLflow."""
    path = os.path.expanduser("~/.mlflow/credentials")
    if not os.path.exists(path):
        return None, None
    config = configparser.ConfigParser()
    config.read(path)
    if "mlflow" not in config:
        return None, None
    section = config["mlflow"]
    return section.get("mlflow_tracking_username"), section.get("mlflow_tracking_password")


@dataclass(frozen=True)
class ClientSettings:
    """What MLflow's client would send and check: headers, TLS, timeout, retries."""

    headers: Mapping[str, str]
    verify: bool | str
    cert: str | None
    timeout: float
    retry: Retry
    allow_redirects: bool

    @classmethod
    def from_env(cls, uri: str, environ: Mapping[str, str] | None = None) -> ClientSettings:
        env = os.environ if environ is None else environ

        def value(name: str) -> str:
            return env.get(name) or _DEFAULTS[name]

        headers = {"User-Agent": f"champion/{__version__}"}
        username, password = (
            env.get("MLFLOW_TRACKING_USERNAME"),
            env.get("MLFLOW_TRACKING_PASSWORD"),
        )
        if not (username and password):
            from_file = _file_credentials()
            username, password = username or from_file[0], password or from_file[1]
        if username and password:
            token = base64.standard_b64encode(f"{username}:{password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        elif env.get("MLFLOW_TRACKING_TOKEN"):
            headers["Authorization"] = f"Bearer {env['MLFLOW_TRACKING_TOKEN']}"
        insecure = _flag(env, "MLFLOW_TRACKING_INSECURE_TLS")
        ca_bundle = env.get("MLFLOW_TRACKING_SERVER_CERT_PATH") or None
        if insecure and ca_bundle:
            raise RegistryAccessError(
                "MLFLOW_TRACKING_INSECURE_TLS and MLFLOW_TRACKING_SERVER_CERT_PATH are both set: "
                "set only one of them (skip TLS verification, or verify with that CA bundle)",
                uri=uri,
            )
        retries = int(value("MLFLOW_HTTP_REQUEST_MAX_RETRIES"))
        retry = Retry(
            total=retries,
            connect=retries,
            read=retries,
            redirect=retries,
            status=retries,
            status_forcelist=RETRY_CODES,
            backoff_factor=float(value("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR")),
            backoff_jitter=float(value("MLFLOW_HTTP_REQUEST_BACKOFF_JITTER")),
            allowed_methods=None,
            raise_on_status=True,
            respect_retry_after_header=_flag(env, "MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER"),
        )
        return cls(
            headers=MappingProxyType(headers),
            verify=ca_bundle if ca_bundle else not insecure,
            cert=env.get("MLFLOW_TRACKING_CLIENT_CERT_PATH") or None,
            timeout=float(value("MLFLOW_HTTP_REQUEST_TIMEOUT")),
            retry=retry,
            allow_redirects=_flag(env, "MLFLOW_ALLOW_HTTP_REDIRECTS"),
        )


def _api_error(response: requests.Response, what: str, not_found: str | None = None) -> ApiError:
    """The ``ApiError`` of a non-200 answer; ``not_found`` is the error code a bare 404 gets."""
    try:
        body = response.json()
    except ValueError:
        body = None
    status = int(response.status_code)
    if isinstance(body, dict) and body.get("error_code"):
        code = str(body["error_code"])
        return ApiError(f"{code}: {body.get('message', '')}", status=status, error_code=code)
    text = " ".join(response.text.split())[:300]
    return ApiError(
        f"{status} {response.reason} for {what}: {text}",
        status=status,
        error_code=not_found if status == 404 else None,
    )


class RestReader:
    """GET requests to the REST API of the MLflow server at ``registry_uri`` (registry reads)
    and ``tracking_uri`` (``mlflow-artifacts:`` reads); see the module docstring."""

    def __init__(
        self,
        registry_uri: str,
        tracking_uri: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.registry_uri = registry_uri.rstrip("/")
        self.tracking_uri = (tracking_uri or registry_uri).rstrip("/")
        self._settings = ClientSettings.from_env(self.registry_uri, environ)
        self._session: requests.Session | None = None
        self._guard = threading.Lock()

    def __repr__(self) -> str:
        return f"RestReader({self.registry_uri!r})"

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def session(self) -> requests.Session:
        """One pooled session (with the retry policy) per reader, made on first use."""
        with self._guard:
            if self._session is None:
                session = requests.Session()
                adapter = HTTPAdapter(max_retries=self._settings.retry)
                session.mount("http://", adapter)
                session.mount("https://", adapter)
                session.headers.update(self._settings.headers)
                self._session = session
            return self._session

    def close(self) -> None:
        with self._guard:
            if self._session is not None:
                self._session.close()
                self._session = None

    def _get(self, url: str, params: Mapping[str, str], *, stream: bool = False) -> Any:
        settings = self._settings
        return self.session.get(
            url,
            params=params,
            timeout=settings.timeout,
            verify=settings.verify,
            cert=settings.cert,
            allow_redirects=settings.allow_redirects,
            stream=stream,
        )

    def call(self, endpoint: str, **params: str) -> dict[str, Any]:
        """GET ``/api/2.0/mlflow/<endpoint>`` of the registry with ``params``; its JSON object."""
        url = f"{self.registry_uri}{API}/{endpoint}"
        response = self._get(url, params)
        if response.status_code != 200:
            raise _api_error(response, f"GET {API}/{endpoint}")
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise ApiError(
                f"GET {API}/{endpoint} answered 200 without a JSON object: is "
                f"{self.registry_uri} an MLflow tracking server?",
                status=200,
            )
        return data

    def _paged(self, endpoint: str, key: str, **params: str) -> Iterator[dict[str, Any]]:
        """The items under ``key`` of every page of a search."""
        token = ""
        while True:
            paging = {"max_results": str(PAGE_SIZE), **({"page_token": token} if token else {})}
            page = self.call(endpoint, **params, **paging)
            yield from page.get(key) or ()
            token = str(page.get("next_page_token") or "")
            if not token:
                return

    # -- the registry -------------------------------------------------------------------------

    def registered_model(self, name: str) -> ModelRecord:
        """The registered model ``name`` with its aliases and tags."""
        return model_record(self.call("registered-models/get", name=name)["registered_model"])

    def registered_models(self) -> list[ModelRecord]:
        """Every registered model (all pages)."""
        return [
            model_record(item)
            for item in self._paged("registered-models/search", "registered_models")
        ]

    def model_version(self, name: str, version: str) -> VersionRecord:
        """Version ``version`` of model ``name``."""
        data = self.call("model-versions/get", name=name, version=str(version))
        return version_record(data["model_version"])

    def model_versions(self, name: str) -> list[VersionRecord]:
        """Every version of model ``name`` (all pages, in the server's order)."""
        found = self._paged(
            "model-versions/search", "model_versions", filter=f"name = {filter_value(name)}"
        )
        return [version_record(item) for item in found]

    def download_uri(self, name: str, version: str) -> str:
        """Where the artifacts of a version are (``mlflow-artifacts:/...``, ``s3://...``, ...)."""
        data = self.call("model-versions/get-download-uri", name=name, version=str(version))
        return str(data["artifact_uri"])

    # -- artifacts ----------------------------------------------------------------------------

    def artifact_url(self, artifact_uri: str) -> str | None:
        """The http(s) URL this server serves ``artifact_uri`` at (an ``mlflow-artifacts:`` URI,
        resolved as MLflow does, or an http(s) one), or None when it is stored elsewhere."""
        parsed = urlparse(artifact_uri)
        if parsed.scheme in ("http", "https"):
            return artifact_uri.rstrip("/")
        if parsed.scheme != "mlflow-artifacts":
            return None
        tracking = urlparse(self.tracking_uri)
        path = f"{tracking.path.rstrip('/')}{ARTIFACTS_API}/{parsed.path.lstrip('/')}"
        netloc = parsed.netloc or tracking.netloc
        return f"{tracking.scheme}://{netloc}{quote(path.rstrip('/'))}"

    def read_artifact(self, artifact_uri: str) -> bytes:
        """The content of one artifact file the server serves (see ``artifact_url``); an
        ``ApiError`` with code ``NOT_FOUND`` when it has no such file."""
        url = self.artifact_url(artifact_uri)
        if url is None:
            raise ValueError(f"{artifact_uri} is not served by {self.tracking_uri}")
        with self._get(url, {}, stream=True) as response:
            if response.status_code != 200:
                raise _api_error(response, f"GET {url}", not_found="NOT_FOUND")
            content = response.raw.read(ARTIFACT_LIMIT + 1, decode_content=True)
        if len(content) > ARTIFACT_LIMIT:
            raise ApiError(f"{artifact_uri} is larger than {ARTIFACT_LIMIT} bytes", status=200)
        return bytes(content)

"""``champion.models.rest`` and ``MlflowRegistry`` reading a tracking server without MLflow:
MLflow's client settings, the JSON records, and the same errors as MLflow's client gives, against
a small fake of the MLflow REST API on a loopback port."""

from __future__ import annotations

import base64
import http.server
import json
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from champion.errors import ModelError
from champion.models import MlflowRegistry, RegistryAccessError
from champion.models.connection import HTTP_DEFAULTS
from champion.models.rest import (
    ClientSettings,
    RestReader,
    model_record,
    rest_usable,
    version_record,
)

MODEL_IDS = {"1": "m-" + "1" * 32, "2": "m-" + "2" * 32, "3": "m-" + "3" * 32}
SIGNED = 'signature:\n  inputs: \'[{"type": "double", "name": "x"}]\'\n'
UNSIGNED = "flavors: {}\n"
CLIENT_VARIABLES = (
    "MLFLOW_TRACKING_USERNAME",
    "MLFLOW_TRACKING_PASSWORD",
    "MLFLOW_TRACKING_TOKEN",
    "MLFLOW_TRACKING_INSECURE_TLS",
    "MLFLOW_TRACKING_SERVER_CERT_PATH",
    "MLFLOW_TRACKING_CLIENT_CERT_PATH",
    "MLFLOW_TRACKING_AUTH",
    "MLFLOW_TRACKING_AWS_SIGV4",
    "MLFLOW_WORKSPACE",
    "MLFLOW_TRACKING_URI",
    "MLFLOW_REGISTRY_URI",
)


# -- a fake MLflow server ---------------------------------------------------------------------


def _version(name: str, version: str) -> dict[str, Any]:
    return {
        "name": name,
        "version": version,
        "creation_timestamp": 1_700_000_000_000 + int(version),
        "source": f"models:/{MODEL_IDS[version]}",
        "run_id": f"run{version}",
        "description": f"version {version}" if version != "3" else "",
        "status": "READY",
        **({"tags": [{"key": "kind", "value": "lr"}]} if version == "1" else {}),
    }


@dataclass
class FakeMlflow:
    """The registry of one model ``titanic`` (versions 1-3; @champion -> 1, @challenger -> 2)
    and a lock model; v1 is signed, v2 has no signature, v3 has no MLmodel at all."""

    status: int | None = None  # answer every request with this status (a text body)
    delay: float = 0.0  # seconds before answering
    page_size: int = 1  # registered models per search page
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (path, headers)

    def models(self) -> dict[str, dict[str, Any]]:
        return {
            "titanic": {
                "name": "titanic",
                "description": "Survival models.",
                "aliases": [
                    {"alias": "champion", "version": "1"},
                    {"alias": "challenger", "version": "2"},
                ],
                "tags": [{"key": "team", "value": "risk"}],
            },
            "champion-lock.titanic.champion": {"name": "champion-lock.titanic.champion"},
        }

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        api = "/api/2.0/mlflow/"
        missing = {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "not found"}
        models = self.models()
        if path.startswith("/api/2.0/mlflow-artifacts/artifacts/"):
            artifact = path.removeprefix("/api/2.0/mlflow-artifacts/artifacts/")
            files = {
                f"1/models/{MODEL_IDS['1']}/artifacts/MLmodel": SIGNED,
                f"1/models/{MODEL_IDS['2']}/artifacts/MLmodel": UNSIGNED,
            }
            return (200, files[artifact]) if artifact in files else (404, missing)
        endpoint = path.removeprefix(api)
        name = query.get("name", "")
        if endpoint == "registered-models/get":
            return (200, {"registered_model": models[name]}) if name in models else (404, missing)
        if endpoint == "registered-models/search":
            start = int(query.get("page_token") or 0)
            items = list(models.values())
            page: dict[str, Any] = {"registered_models": items[start : start + self.page_size]}
            if start + self.page_size < len(items):
                page["next_page_token"] = str(start + self.page_size)
            return 200, page
        if endpoint == "model-versions/search":
            if query.get("filter") != "name = 'titanic'":
                return 200, {}
            return 200, {"model_versions": [_version("titanic", v) for v in ("2", "3", "1")]}
        if name != "titanic":
            return 404, missing
        version = query.get("version", "")
        if version not in MODEL_IDS:
            return 404, missing
        if endpoint == "model-versions/get":
            return 200, {"model_version": _version(name, version)}
        if endpoint == "model-versions/get-download-uri":
            return 200, {
                "artifact_uri": f"mlflow-artifacts:/1/models/{MODEL_IDS[version]}/artifacts"
            }
        return 404, missing


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        fake: FakeMlflow = self.server.fake  # type: ignore[attr-defined]
        parsed = urlparse(self.path)
        fake.seen.append((parsed.path, dict(self.headers.items())))
        if fake.delay:
            time.sleep(fake.delay)
        if fake.status is not None:
            status, body = fake.status, f"fake says {fake.status}"
        else:
            query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
            status, body = fake.answer(parsed.path, query)
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet."""


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No MLflow client settings from the shell, no ~/.mlflow/credentials, a quick budget."""
    for name in CLIENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name, value in HTTP_DEFAULTS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return monkeypatch


@pytest.fixture
def fake(clean_env: pytest.MonkeyPatch) -> Iterator[tuple[FakeMlflow, str]]:
    """A running fake server and its URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.fake = FakeMlflow()  # type: ignore[attr-defined]
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield server.fake, f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


# -- settings ----------------------------------------------------------------------------------


def test_basic_auth_from_the_environment_wins_over_a_token() -> None:
    env = {
        "MLFLOW_TRACKING_USERNAME": "ada",
        "MLFLOW_TRACKING_PASSWORD": "s3cret",
        "MLFLOW_TRACKING_TOKEN": "tok",
    }
    settings = ClientSettings.from_env("http://h", env)
    expected = base64.standard_b64encode(b"ada:s3cret").decode()
    assert settings.headers["Authorization"] == f"Basic {expected}"


def test_bearer_token(clean_env: pytest.MonkeyPatch) -> None:
    settings = ClientSettings.from_env("http://h", {"MLFLOW_TRACKING_TOKEN": "tok"})
    assert settings.headers["Authorization"] == "Bearer tok"
    assert "Authorization" not in ClientSettings.from_env("http://h", {}).headers


def test_credentials_file_fills_what_the_environment_lacks(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "home" / ".mlflow"
    folder.mkdir(parents=True)
    (folder / "credentials").write_text(
        "[mlflow]\nmlflow_tracking_username = file-user\nmlflow_tracking_password = file-pw\n"
    )
    from_file = ClientSettings.from_env("http://h", {}).headers["Authorization"]
    assert from_file == "Basic " + base64.standard_b64encode(b"file-user:file-pw").decode()
    mixed = ClientSettings.from_env("http://h", {"MLFLOW_TRACKING_USERNAME": "env-user"})
    assert mixed.headers["Authorization"] == (
        "Basic " + base64.standard_b64encode(b"env-user:file-pw").decode()
    )


def test_tls_settings(clean_env: pytest.MonkeyPatch) -> None:
    assert ClientSettings.from_env("https://h", {}).verify is True
    insecure = ClientSettings.from_env("https://h", {"MLFLOW_TRACKING_INSECURE_TLS": "true"})
    assert insecure.verify is False
    bundle = ClientSettings.from_env(
        "https://h",
        {
            "MLFLOW_TRACKING_SERVER_CERT_PATH": "/ca.pem",
            "MLFLOW_TRACKING_CLIENT_CERT_PATH": "/me.pem",
        },
    )
    assert (bundle.verify, bundle.cert) == ("/ca.pem", "/me.pem")
    with pytest.raises(RegistryAccessError, match="only one of them"):
        ClientSettings.from_env(
            "https://h",
            {"MLFLOW_TRACKING_INSECURE_TLS": "1", "MLFLOW_TRACKING_SERVER_CERT_PATH": "/ca.pem"},
        )


def test_budget_defaults_to_mlflow_s_and_follows_the_variables(
    clean_env: pytest.MonkeyPatch,
) -> None:
    default = ClientSettings.from_env("http://h", {})
    assert default.timeout == 120.0
    assert default.retry.total == 7
    assert set(default.retry.status_forcelist or ()) == {408, 429, 500, 502, 503, 504}
    assert default.allow_redirects
    chosen = ClientSettings.from_env(
        "http://h",
        {
            "MLFLOW_HTTP_REQUEST_TIMEOUT": "4",
            "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
            "MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER": "false",
            "MLFLOW_ALLOW_HTTP_REDIRECTS": "false",
        },
    )
    assert (chosen.timeout, chosen.retry.total, chosen.allow_redirects) == (4.0, 2, False)
    assert not chosen.retry.respect_retry_after_header


@pytest.mark.parametrize(
    ("uri", "env", "usable"),
    [
        ("http://127.0.0.1:5000", {}, True),
        ("https://mlflow.example.com/prefix", {}, True),
        ("sqlite:///mlflow.db", {}, False),
        ("/tmp/mlruns", {}, False),
        ("databricks", {}, False),
        ("http://h", {"MLFLOW_TRACKING_AUTH": "my_auth_plugin"}, False),
        ("http://h", {"MLFLOW_TRACKING_AWS_SIGV4": "true"}, False),
        ("http://h", {"MLFLOW_TRACKING_AWS_SIGV4": "false"}, True),
        ("http://h", {"MLFLOW_WORKSPACE": "team-a"}, False),
    ],
)
def test_rest_is_used_only_where_it_reads_as_mlflow_would(
    uri: str, env: dict[str, str], usable: bool
) -> None:
    assert rest_usable(uri, env) is usable


@pytest.mark.parametrize(
    ("artifact", "url"),
    [
        (
            "mlflow-artifacts:/1/models/m-1/artifacts/MLmodel",
            "https://h:8443/mlflow/api/2.0/mlflow-artifacts/artifacts/1/models/m-1/artifacts/MLmodel",
        ),
        (
            "mlflow-artifacts://other:5001/1/x/MLmodel",
            "https://other:5001/mlflow/api/2.0/mlflow-artifacts/artifacts/1/x/MLmodel",
        ),
        ("https://files.example.com/a/MLmodel", "https://files.example.com/a/MLmodel"),
        ("s3://bucket/a/MLmodel", None),
        ("file:///srv/a/MLmodel", None),
    ],
)
def test_artifact_urls_resolve_as_mlflow_does(
    clean_env: pytest.MonkeyPatch, artifact: str, url: str | None
) -> None:
    reader = RestReader("https://h:8443/mlflow", "https://h:8443/mlflow/")
    assert reader.artifact_url(artifact) == url


def test_records_of_the_json() -> None:
    version = version_record(_version("titanic", "1"))
    assert (version.version, version.run_id, version.model_id) == ("1", "run1", MODEL_IDS["1"])
    assert dict(version.tags) == {"kind": "lr"}
    bare = version_record({"name": "m", "version": 4, "source": "s3://b/model"})
    assert (bare.version, bare.model_id, bare.description, bare.run_id) == ("4", None, None, None)
    model = model_record(FakeMlflow().models()["titanic"])
    assert dict(model.aliases) == {"champion": "1", "challenger": "2"}
    assert dict(model.tags) == {"team": "risk"}


# -- MlflowRegistry over the REST reader -------------------------------------------------------


def test_resolve_alias_and_version(fake: tuple[FakeMlflow, str]) -> None:
    server, url = fake
    registry = MlflowRegistry(url)
    assert registry.reads_over_rest
    champion = registry.resolve("models:/titanic@champion")
    assert (champion.name, champion.version, champion.run_id) == ("titanic", "1", "run1")
    assert champion.model_id == MODEL_IDS["1"]
    assert champion.download_uri == f"mlflow-artifacts:/1/models/{MODEL_IDS['1']}/artifacts"
    assert champion.ref is not None
    assert champion.ref.aliases == ("champion",)
    assert champion.ref.has_signature
    assert dict(champion.ref.tags) == {"kind": "lr"}
    assert champion.identity == f"models:/titanic/1|model_id={MODEL_IDS['1']}"
    second = registry.resolve("models:/titanic/2")
    assert second.ref is not None
    assert (second.version, second.ref.has_signature) == ("2", False)
    assert all("Authorization" not in headers for _, headers in server.seen)


def test_aliases_read_only_the_registered_model(fake: tuple[FakeMlflow, str]) -> None:
    server, url = fake
    registry = MlflowRegistry(url)
    assert dict(registry.aliases("titanic")) == {"champion": "1", "challenger": "2"}
    assert [path for path, _ in server.seen] == ["/api/2.0/mlflow/registered-models/get"]
    with pytest.raises(ModelError, match=r"no model named 'titanik'.*Did you mean 'titanic'"):
        registry.aliases("titanik")


def test_get_model_and_list_models(fake: tuple[FakeMlflow, str]) -> None:
    _, url = fake
    registry = MlflowRegistry(url)
    model = registry.get_model("titanic")
    assert [v.version for v in model.versions] == ["3", "2", "1"]
    assert [v.has_signature for v in model.versions] == [False, False, True]  # v3: no MLmodel
    assert model.description == "Survival models."
    assert model.versions[2].created.tzinfo is not None
    assert model.versions[0].description is None
    assert [m.name for m in registry.list_models()] == ["titanic"]  # locks hidden, two pages


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("models:/titanik@champion", r"no model named 'titanik'.*titanic.*Did you mean 'titanic'"),
        ("models:/titanic@champ", r"no alias 'champ'; its aliases: challenger -> v2, champion"),
        ("models:/titanic/9", r"no version 9; its versions: 3, 2, 1"),
    ],
)
def test_unknown_names_list_what_exists(
    fake: tuple[FakeMlflow, str], uri: str, message: str
) -> None:
    with pytest.raises(ModelError, match=message):
        MlflowRegistry(fake[1]).resolve(uri)


def test_credentials_are_sent(fake: tuple[FakeMlflow, str], clean_env: pytest.MonkeyPatch) -> None:
    server, url = fake
    clean_env.setenv("MLFLOW_TRACKING_USERNAME", "ada")
    clean_env.setenv("MLFLOW_TRACKING_PASSWORD", "pw")
    MlflowRegistry(url).resolve("models:/titanic/1")
    expected = "Basic " + base64.standard_b64encode(b"ada:pw").decode()
    assert server.seen
    assert {headers.get("Authorization") for _, headers in server.seen} == {expected}


@pytest.mark.parametrize(
    ("status", "kind", "message"),
    [
        (401, "unauthenticated", r"authentication failed .*HTTP 401.*MLFLOW_TRACKING_USERNAME"),
        (403, "forbidden", r"permission denied \(HTTP 403\).*lacks the permission"),
        (500, "server_error", r"failed \(HTTP 500\).*check its logs"),
        (503, "server_error", r"failed \(HTTP 503\)"),
        (404, "invalid_store", r"HTTP 404.*is it an MLflow tracking server"),
        (200, "unexpected", r"without a JSON object: is .* an MLflow tracking server"),
    ],
)
def test_failures_are_explained(
    fake: tuple[FakeMlflow, str], status: int, kind: str, message: str
) -> None:
    server, url = fake
    server.status = status
    with pytest.raises(RegistryAccessError, match=message) as caught:
        MlflowRegistry(url).resolve("models:/titanic@champion")
    assert caught.value.kind == kind


def test_unreachable_and_slow_servers(
    fake: tuple[FakeMlflow, str], clean_env: pytest.MonkeyPatch
) -> None:
    server, url = fake
    server.delay = 2.0
    clean_env.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "0.3")
    with pytest.raises(RegistryAccessError, match=r"did not answer within") as slow:
        MlflowRegistry(url).aliases("titanic")
    assert slow.value.kind == "unreachable"
    with socket.socket() as sock:  # a loopback port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with pytest.raises(RegistryAccessError, match="cannot reach the tracking server") as dead:
        MlflowRegistry(closed).aliases("titanic")
    assert dead.value.kind == "unreachable"


def test_warm_reads_do_not_import_mlflow(fake: tuple[FakeMlflow, str]) -> None:
    """What a warm compare reads — aliases, an alias and a version resolved — in a fresh
    process, which never imports MLflow."""
    code = textwrap.dedent(
        f"""
        import sys
        from champion.models import MlflowRegistry
        registry = MlflowRegistry({fake[1]!r})
        assert registry.resolve("models:/titanic@champion").version == "1"
        assert registry.resolve("models:/titanic/2").ref.has_signature is False
        assert dict(registry.aliases("titanic"))["challenger"] == "2"
        print(sorted(m for m in sys.modules if m.split(".")[0] == "mlflow"))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"

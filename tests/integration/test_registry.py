"""``MlflowRegistry`` against a real sqlite store and a real ``mlflow server``, and how it
reports a registry that is unreachable, failing or refusing access."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from champion.errors import ModelError, RegistryError
from champion.models import (
    MlflowRegistry,
    RegistryAccessError,
    RegistryClient,
    parse_model_uri,
)
from champion.models.connection import HTTP_DEFAULTS, apply_http_defaults

from .servers import free_port
from .store import MODEL_NAME, BuiltStore

MODEL_ID = "m-0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="session")
def registries() -> dict[str, MlflowRegistry]:
    """One registry per store URI, shared by the tests (it caches immutable version facts)."""
    return {}


@pytest.fixture
def registry(registry_store: BuiltStore, registries: dict[str, MlflowRegistry]) -> MlflowRegistry:
    uri = registry_store.tracking_uri
    if uri not in registries:
        registries[uri] = MlflowRegistry(uri)
    return registries[uri]


# -- URIs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "kind", "fields"),
    [
        ("models:/titanic@champion", "alias", {"name": "titanic", "alias": "champion"}),
        ("models:/titanic/3", "version", {"name": "titanic", "version": "3"}),
        (f"models:/{MODEL_ID}", "model_id", {"model_id": MODEL_ID}),
        ("runs:/abc123/model", "run", {"run_id": "abc123", "path": "model"}),
        ("runs:/abc123/nested/model/", "run", {"run_id": "abc123", "path": "nested/model"}),
    ],
)
def test_parse_model_uri_accepts_the_four_forms(
    uri: str, kind: str, fields: dict[str, str]
) -> None:
    parsed = parse_model_uri(uri)
    assert parsed.kind == kind
    assert {k: getattr(parsed, k) for k in fields} == fields


@pytest.mark.parametrize(
    "uri",
    [
        "titanic",
        "models:/titanic",
        "models:/titanic/Production",
        "models:/titanic/latest",
        "models:/titanic/1/extra",
        "models:/@champion",
        "models://titanic/1",
        "runs:/abc123",
        "s3://bucket/model",
    ],
)
def test_parse_model_uri_explains_the_accepted_forms(uri: str) -> None:
    with pytest.raises(ModelError, match=r"models:/NAME@ALIAS.*models:/NAME/VERSION.*runs:/"):
        parse_model_uri(uri)


# -- reading the registry (sqlite and server) -----------------------------------------------


def test_registry_satisfies_the_protocol(registry: MlflowRegistry) -> None:
    assert isinstance(registry, RegistryClient)


def test_list_models_versions_and_aliases(
    registry: MlflowRegistry, registry_store: BuiltStore
) -> None:
    models = registry.list_models()
    assert [m.name for m in models] == [MODEL_NAME]
    model = models[0]
    assert dict(model.aliases) == {"champion": "1", "challenger": "2"}
    assert model.description == "Synthetic Titanic survival models."
    assert [v.version for v in model.versions] == ["6", "5", "4", "3", "2", "1"]
    by_version = {v.version: v for v in model.versions}
    assert by_version["1"].aliases == ("champion",)
    assert by_version["2"].aliases == ("challenger",)
    assert all(not by_version[v].aliases for v in ("3", "4", "5", "6"))
    for ref in model.versions:
        assert ref.has_signature
        assert ref.model_id == registry_store.model_ids[ref.version]
        assert ref.run_id == registry_store.run_ids[ref.version]
        assert ref.created.tzinfo is not None
        assert ref.uri == f"models:/titanic/{ref.version}"
        assert ref.description
    assert by_version["4"].tags["kind"] == "lightgbm"
    assert registry.get_model(MODEL_NAME) == model


def test_resolve_alias(registry: MlflowRegistry, registry_store: BuiltStore) -> None:
    resolved = registry.resolve("models:/titanic@champion")
    assert (resolved.name, resolved.version) == ("titanic", "1")
    assert resolved.model_id == registry_store.model_ids["1"]
    assert resolved.ref is not None
    assert resolved.ref.aliases == ("champion",)
    assert resolved.uri == "models:/titanic@champion"
    assert resolved.identity == f"models:/titanic/1|model_id={registry_store.model_ids['1']}"


def test_resolve_version(registry: MlflowRegistry, registry_store: BuiltStore) -> None:
    resolved = registry.resolve("models:/titanic/3")
    assert (resolved.version, resolved.model_id) == ("3", registry_store.model_ids["3"])
    assert resolved.run_id == registry_store.run_ids["3"]


def test_resolve_model_id(registry: MlflowRegistry, registry_store: BuiltStore) -> None:
    model_id = registry_store.model_ids["2"]
    resolved = registry.resolve(f"models:/{model_id}")
    assert (resolved.model_id, resolved.run_id) == (model_id, registry_store.run_ids["2"])
    assert resolved.name is None
    assert resolved.ref is None
    assert model_id in resolved.download_uri


def test_resolve_run(registry: MlflowRegistry, registry_store: BuiltStore) -> None:
    run_id = registry_store.run_ids["4"]
    resolved = registry.resolve(f"runs:/{run_id}/model")
    assert (resolved.run_id, resolved.model_id) == (run_id, registry_store.model_ids["4"])


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("models:/titanik@champion", r"no model named 'titanik'.*titanic.*Did you mean 'titanic'"),
        ("models:/titanic@champ", r"no alias 'champ'; its aliases: challenger -> v2, champion"),
        ("models:/titanic/99", r"no version 99; its versions: 6, 5, 4, 3, 2, 1"),
        (f"models:/{MODEL_ID}", rf"no logged model {MODEL_ID}"),
        ("runs:/0123456789abcdef0123456789abcdef/model", r"no run 0123456789abcdef"),
    ],
)
def test_resolve_unknown(registry: MlflowRegistry, uri: str, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        registry.resolve(uri)


def test_resolve_run_without_that_model(
    registry: MlflowRegistry, registry_store: BuiltStore
) -> None:
    with pytest.raises(ModelError, match=r"has no model at 'nothing'; its logged models: model"):
        registry.resolve(f"runs:/{registry_store.run_ids['1']}/nothing")


@pytest.mark.parametrize(
    ("version", "flavor"), [("challenger", "sklearn"), ("4", "lightgbm"), ("5", "python_function")]
)
def test_download_gives_a_model_directory(
    registry: MlflowRegistry, tmp_path: Path, version: str, flavor: str
) -> None:
    uri = f"models:/titanic@{version}" if not version.isdigit() else f"models:/titanic/{version}"
    local = registry.download(registry.resolve(uri), tmp_path / "dl")
    assert local.is_dir()
    assert local.is_relative_to(tmp_path)
    mlmodel = yaml.safe_load((local / "MLmodel").read_text())
    assert flavor in mlmodel["flavors"]
    assert mlmodel["signature"]["inputs"]
    if flavor in ("sklearn", "lightgbm"):
        assert mlmodel["flavors"][flavor]["serialization_format"] == "skops"
    if flavor == "python_function":  # the labels-only rule, logged as a model from code
        assert "model_code_path" in mlmodel["flavors"][flavor]


def test_download_by_model_id_and_run(
    registry: MlflowRegistry, registry_store: BuiltStore, tmp_path: Path
) -> None:
    by_id = registry.resolve(f"models:/{registry_store.model_ids['6']}")
    by_run = registry.resolve(f"runs:/{registry_store.run_ids['6']}/model")
    assert (registry.download(by_id, tmp_path / "a") / "MLmodel").is_file()
    assert (registry.download(by_run, tmp_path / "b") / "MLmodel").is_file()


# -- failures ---------------------------------------------------------------------------------


def _kind(error: RegistryError) -> str:
    assert isinstance(error, RegistryAccessError)
    return error.kind


@pytest.mark.timeout(30)
def test_unreachable_server() -> None:
    uri = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(RegistryError) as caught:
        MlflowRegistry(uri).list_models()
    assert _kind(caught.value) == "unreachable"
    assert "cannot reach the tracking server" in str(caught.value)
    assert "MLFLOW_TRACKING_URI" in str(caught.value)


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("status", "kind", "message"),
    [
        (500, "server_error", r"failed \(HTTP 500\).*check its logs"),
        (503, "server_error", r"failed \(HTTP 503\)"),
        (501, "server_error", r"failed \(HTTP 501\)"),
        (401, "unauthenticated", r"authentication failed.*MLFLOW_TRACKING_USERNAME"),
        (403, "forbidden", r"permission denied.*lacks"),
        (404, "invalid_store", r"is it an MLflow tracking server"),
    ],
)
def test_failing_server(
    http_stub: Callable[[int], str], status: int, kind: str, message: str
) -> None:
    registry = MlflowRegistry(http_stub(status))
    with pytest.raises(RegistryError, match=message) as caught:
        registry.resolve("models:/titanic@champion")
    assert _kind(caught.value) == kind


def test_sqlite_store_in_a_missing_directory(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    with pytest.raises(RegistryError, match="directory that does not exist") as caught:
        MlflowRegistry(f"sqlite:///{missing / 'mlflow.db'}")
    assert _kind(caught.value) == "invalid_store"
    assert not (tmp_path / "no").exists()


def test_http_defaults_keep_what_the_user_set() -> None:
    env = {"MLFLOW_HTTP_REQUEST_TIMEOUT": "30"}
    applied = apply_http_defaults(env)
    assert env["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "30"
    assert "MLFLOW_HTTP_REQUEST_TIMEOUT" not in applied
    assert set(applied) == set(HTTP_DEFAULTS) - {"MLFLOW_HTTP_REQUEST_TIMEOUT"}

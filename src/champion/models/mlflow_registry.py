"""``MlflowRegistry``: the only wrapper around ``mlflow.MlflowClient`` in champion.

It reads registered models, versions, aliases, logged models and runs, resolves model URIs to
exact artifact locations and downloads them. Every MLflow call goes through ``_call``, which turns
"does not exist" into a ``ModelError`` listing what does exist, and every other failure into a
``RegistryAccessError`` saying why (see ``champion.models.connection``).

MLflow's fluent helpers (``mlflow.models.get_model_info``, ``download_artifacts("models:/...")``)
look names up in the *global* registry URI, not the client's, so this class resolves
``models:/`` URIs itself and only hands MLflow plain artifact locations.

Against a tracking server (an http(s) URI) the registry reads — registered models, versions,
aliases, artifact locations and ``MLmodel`` files the server serves — go through
``champion.models.rest`` instead, without importing MLflow, which takes seconds. MLflow's client
is imported and built on first need: downloads, logged models and runs, and local stores.
"""

from __future__ import annotations

import contextvars
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote, urlparse

import yaml

from champion.errors import ChampionError, ModelError
from champion.models.connection import (
    URI_HINT,
    apply_http_defaults,
    check_store_uri,
    guarded,
)
from champion.models.refs import (
    ModelVersionRef,
    ParsedUri,
    RegisteredModelInfo,
    ResolvedModel,
    did_you_mean,
    listing,
    parse_model_uri,
)
from champion.models.registry_writer import is_lock_model
from champion.models.rest import (
    ModelRecord,
    RestReader,
    VersionRecord,
    filter_value,
    model_id_of,
    rest_usable,
)

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import LoggedModel, Run
    from mlflow.entities.model_registry import ModelVersion, RegisteredModel

T = TypeVar("T")
_PROBE_THREADS = 8


def default_tracking_uri() -> str:
    """MLflow's tracking URI: ``MLFLOW_TRACKING_URI`` as MLflow reads it, unless MLflow is
    already imported (``mlflow.set_tracking_uri`` may have set one), else MLflow's default."""
    if "mlflow" not in sys.modules and (uri := os.environ.get("MLFLOW_TRACKING_URI")):
        return uri
    import mlflow

    return str(mlflow.get_tracking_uri())


def _model_record(rm: RegisteredModel) -> ModelRecord:
    """MLflow's registered model as the plain record the REST reader gives too."""
    return ModelRecord(
        name=str(rm.name),
        description=rm.description or None,
        # alias -> version (MLflow gives versions as int here, as str elsewhere)
        aliases=MappingProxyType({str(a): str(v) for a, v in (rm.aliases or {}).items()}),
        tags=MappingProxyType({str(k): str(v) for k, v in (rm.tags or {}).items()}),
    )


def _version_record(mv: ModelVersion) -> VersionRecord:
    """MLflow's model version as the plain record the REST reader gives too."""
    return VersionRecord(
        name=str(mv.name),
        version=str(mv.version),
        creation_timestamp=int(mv.creation_timestamp),
        run_id=mv.run_id or None,
        model_id=model_id_of(mv.model_id, mv.source),
        source=str(mv.source or ""),
        description=mv.description or None,
        tags=MappingProxyType({str(k): str(v) for k, v in (mv.tags or {}).items()}),
    )


def _local_path(uri: str) -> Path | None:
    """The directory a ``file:`` URI or a plain path names; None for any other scheme."""
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    return Path(uri) if parsed.scheme == "" else None


class MlflowRegistry:
    """Read a model registry through MLflow (a sqlite/file store or a tracking server).

    ``tracking_uri`` defaults to MLflow's (``MLFLOW_TRACKING_URI``, else its default);
    ``registry_uri`` to ``MLFLOW_REGISTRY_URI``, else the tracking URI. A local store must
    already exist (``must_exist=False`` lets MLflow create it). Creating the registry applies
    champion's HTTP timeout and retry defaults to the variables the user has not set
    (``champion.models.connection.apply_http_defaults``).

    A registry on a tracking server is read through ``champion.models.rest`` when
    ``rest_usable`` allows it (MLflow's client is then built only to download artifacts or read
    logged models and runs); a local store opens MLflow's client at once, as before.
    """

    def __init__(
        self,
        tracking_uri: str | None = None,
        registry_uri: str | None = None,
        *,
        must_exist: bool = True,
    ) -> None:
        apply_http_defaults()
        self._tracking_uri = str(tracking_uri or default_tracking_uri())
        self._registry_uri = str(
            registry_uri or os.environ.get("MLFLOW_REGISTRY_URI") or self._tracking_uri
        )
        for uri in dict.fromkeys((self._tracking_uri, self._registry_uri)):
            check_store_uri(uri, must_exist=must_exist)
        self._probed: dict[tuple[str, str, str], tuple[str, bool]] = {}
        self._rest = (
            RestReader(self._registry_uri, self._tracking_uri)
            if rest_usable(self._registry_uri)
            else None
        )
        self._mlflow_client: MlflowClient | None = None
        self._client_guard = threading.Lock()
        if self._rest is None:
            self._open_client()

    def __repr__(self) -> str:
        return f"MlflowRegistry(tracking_uri={self._tracking_uri!r})"

    @property
    def tracking_uri(self) -> str:
        """The tracking URI (pass it to ``download_artifacts`` with a ``download_uri``)."""
        return self._tracking_uri

    @property
    def registry_uri(self) -> str:
        """The model registry URI."""
        return self._registry_uri

    @property
    def reads_over_rest(self) -> bool:
        """Whether registry reads go through ``champion.models.rest`` rather than MLflow."""
        return self._rest is not None

    # -- plumbing ---------------------------------------------------------------------------

    def _open_client(self) -> MlflowClient:
        """MLflow's client, imported and built on first use (once, whatever the threads)."""
        with self._client_guard:
            if self._mlflow_client is None:

                def build() -> MlflowClient:
                    import mlflow

                    return mlflow.MlflowClient(
                        tracking_uri=self._tracking_uri, registry_uri=self._registry_uri
                    )

                self._mlflow_client = self._call("open the store", build)
            return self._mlflow_client

    @property
    def _client(self) -> MlflowClient:
        return self._mlflow_client or self._open_client()

    def _call(
        self, action: str, fn: Callable[[], T], missing: Callable[[], ChampionError] | None = None
    ) -> T:
        """Run one MLflow call through ``guarded`` (missing entity -> ``missing()``)."""
        return guarded(self._tracking_uri, action, fn, missing)

    def _pages(self, action: str, fetch: Callable[[str | None], Any]) -> list[Any]:
        """All items of a paged MLflow search."""
        items: list[Any] = []
        token: str | None = None
        while True:
            page = self._call(action, lambda token=token: fetch(token))  # type: ignore[misc]
            items.extend(page)
            token = page.token
            if not token:
                return items

    def _registered_models(self) -> list[ModelRecord]:
        action = "list registered models"
        if self._rest is not None:
            return self._call(action, self._rest.registered_models)
        found: list[RegisteredModel] = self._pages(
            action,
            lambda token: self._client.search_registered_models(max_results=100, page_token=token),
        )
        return [_model_record(rm) for rm in found]

    def _model_versions(self, name: str) -> list[VersionRecord]:
        action = f"list the versions of model {name!r}"
        rest = self._rest
        if rest is not None:
            versions = self._call(action, lambda: rest.model_versions(name))
        else:
            found: list[ModelVersion] = self._pages(
                action,
                lambda token: self._client.search_model_versions(
                    filter_string=f"name = {filter_value(name)}", page_token=token
                ),
            )
            versions = [_version_record(mv) for mv in found]
        return sorted(versions, key=lambda mv: int(mv.version), reverse=True)

    def _registered_model(self, name: str) -> ModelRecord:
        rest = self._rest
        return self._call(
            f"read registered model {name!r}",
            (
                (lambda: rest.registered_model(name))
                if rest is not None
                else (lambda: _model_record(self._client.get_registered_model(name)))
            ),
            missing=lambda: self._unknown_model(name),
        )

    def _model_version(self, name: str, version: str) -> VersionRecord:
        rest = self._rest
        return self._call(
            f"read version {version} of model {name!r}",
            (
                (lambda: rest.model_version(name, version))
                if rest is not None
                else (lambda: _version_record(self._client.get_model_version(name, version)))
            ),
            missing=lambda: self._unknown_version(name, version),
        )

    # -- errors that list what exists ---------------------------------------------------------

    def _unknown_model(self, name: str) -> ModelError:
        names = sorted(rm.name for rm in self._registered_models())
        if not names:
            return ModelError(
                f"no model named {name!r}: no models are registered in {self._registry_uri} "
                f"({URI_HINT})"
            )
        return ModelError(
            f"no model named {name!r} in {self._registry_uri}; registered models: "
            f"{listing(names)}.{did_you_mean(name, names)}"
        )

    def _unknown_alias(self, name: str, alias: str, aliases: Mapping[str, str]) -> ModelError:
        if not aliases:
            return ModelError(
                f"model {name!r} has no alias {alias!r}: it has no aliases at all; "
                f"use a version (models:/{name}/VERSION) or set an alias first"
            )
        listed = listing(f"{a} -> v{v}" for a, v in sorted(aliases.items()))
        return ModelError(
            f"model {name!r} has no alias {alias!r}; its aliases: {listed}."
            f"{did_you_mean(alias, aliases)}"
        )

    def _unknown_version(self, name: str, version: str) -> ModelError:
        versions = [str(mv.version) for mv in self._model_versions(name)]
        if not versions:
            return ModelError(f"model {name!r} has no version {version}: it has no versions")
        return ModelError(
            f"model {name!r} has no version {version}; its versions: {listing(versions)}"
        )

    # -- version references ------------------------------------------------------------------

    def _download_uri(self, mv: VersionRecord) -> str:
        rest = self._rest
        return self._call(
            f"locate the artifacts of models:/{mv.name}/{mv.version}",
            (
                (lambda: rest.download_uri(mv.name, mv.version))
                if rest is not None
                else (lambda: str(self._client.get_model_version_download_uri(mv.name, mv.version)))
            ),
        )

    def _probe(self, mv: VersionRecord) -> tuple[str, bool]:
        """(download URI, has a signature) of a version, cached: versions are immutable."""
        key = (mv.name, mv.version, mv.source)
        if key not in self._probed:
            uri = self._download_uri(mv)
            self._probed[key] = (uri, self._has_signature(uri))
        return self._probed[key]

    def _read_mlmodel(self, download_uri: str) -> str:
        """The text of the MLmodel file at ``download_uri``: read from the server that serves
        it or from the local disk when possible, else downloaded by MLflow."""
        artifact = f"{download_uri.rstrip('/')}/MLmodel"
        action = f"read {artifact}"
        missing = lambda: ModelError("no MLmodel")  # noqa: E731
        rest = self._rest
        if rest is not None and rest.artifact_url(artifact) is not None:
            data = self._call(action, lambda: rest.read_artifact(artifact), missing=missing)
            return data.decode("utf-8")
        local = _local_path(download_uri)
        if local is not None:
            return self._call(action, (local / "MLmodel").read_text, missing=missing)
        with tempfile.TemporaryDirectory(prefix="champion-mlmodel-") as tmp:

            def download() -> str:
                import mlflow

                return str(
                    mlflow.artifacts.download_artifacts(
                        artifact_uri=artifact,
                        dst_path=tmp,
                        tracking_uri=self._tracking_uri,
                        registry_uri=self._registry_uri,
                    )
                )

            return Path(self._call(action, download, missing=missing)).read_text()

    def _has_signature(self, download_uri: str) -> bool:
        """Whether the MLmodel file at ``download_uri`` declares an input signature."""
        try:
            meta = yaml.safe_load(self._read_mlmodel(download_uri))
        except (ModelError, OSError, UnicodeDecodeError, yaml.YAMLError):
            return False  # missing or unreadable: the loader will say so in detail
        signature = meta.get("signature") if isinstance(meta, dict) else None
        return isinstance(signature, dict) and bool(signature.get("inputs"))

    def _refs(self, name: str, aliases: Mapping[str, str]) -> tuple[ModelVersionRef, ...]:
        versions = self._model_versions(name)
        workers = max(1, min(_PROBE_THREADS, len(versions)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            # each probe runs in a copy of this context: the requests of the user acting now
            # (models/user_auth.py) carry their credentials from the pool's threads too
            futures = [
                pool.submit(contextvars.copy_context().run, self._probe, mv) for mv in versions
            ]
            probes = [future.result() for future in futures]
        return tuple(
            self._ref(mv, aliases, has_signature)
            for mv, (_, has_signature) in zip(versions, probes, strict=True)
        )

    @staticmethod
    def _ref(mv: VersionRecord, aliases: Mapping[str, str], has_signature: bool) -> ModelVersionRef:
        return ModelVersionRef(
            name=mv.name,
            version=mv.version,
            aliases=tuple(sorted(a for a, v in aliases.items() if v == mv.version)),
            created=datetime.fromtimestamp(mv.creation_timestamp / 1000, tz=UTC),
            run_id=mv.run_id,
            model_id=mv.model_id,
            source=mv.source,
            description=mv.description,
            has_signature=has_signature,
            tags=MappingProxyType(dict(mv.tags)),
        )

    def _info(self, rm: ModelRecord) -> RegisteredModelInfo:
        return RegisteredModelInfo(
            name=rm.name,
            description=rm.description,
            aliases=MappingProxyType(dict(rm.aliases)),
            tags=MappingProxyType(dict(rm.tags)),
            versions=self._refs(rm.name, rm.aliases),
        )

    # -- public API --------------------------------------------------------------------------

    def list_models(self) -> list[RegisteredModelInfo]:
        """Every registered model but champion's locks, with aliases and versions, by name."""
        registered = (rm for rm in self._registered_models() if not is_lock_model(rm.name))
        models = sorted(registered, key=lambda rm: rm.name)
        return [self._info(rm) for rm in models]

    def get_model(self, name: str) -> RegisteredModelInfo:
        """One registered model with its aliases and versions (newest first)."""
        return self._info(self._registered_model(name))

    def aliases(self, name: str) -> Mapping[str, str]:
        """alias -> version of the registered model ``name``: one read of the model, none of
        its versions or their artifacts (``ModelError`` if there is no such model)."""
        return MappingProxyType(dict(self._registered_model(name).aliases))

    def resolve(self, uri: str) -> ResolvedModel:
        """Pin ``uri`` to the exact artifacts it names now (see ``parse_model_uri``)."""
        parsed = parse_model_uri(uri)
        if parsed.kind in ("alias", "version"):
            return self._resolve_registered(uri, parsed)
        if parsed.kind == "model_id":
            return self._resolve_model_id(uri, str(parsed.model_id))
        return self._resolve_run(uri, str(parsed.run_id), str(parsed.path))

    def _resolve_registered(self, uri: str, parsed: ParsedUri) -> ResolvedModel:
        name = str(parsed.name)
        aliases = self._registered_model(name).aliases
        if parsed.alias is not None:
            if parsed.alias not in aliases:
                raise self._unknown_alias(name, parsed.alias, aliases)
            version = aliases[parsed.alias]
        else:
            version = str(parsed.version)
        mv = self._model_version(name, version)
        download_uri, has_signature = self._probe(mv)
        ref = self._ref(mv, aliases, has_signature)
        return ResolvedModel(
            uri=uri,
            name=name,
            version=ref.version,
            model_id=ref.model_id,
            run_id=ref.run_id,
            download_uri=download_uri,
            ref=ref,
        )

    def _resolve_model_id(self, uri: str, model_id: str) -> ResolvedModel:
        logged = self._call(
            f"read logged model {model_id}",
            lambda: self._client.get_logged_model(model_id),
            missing=lambda: ModelError(
                f"no logged model {model_id} in {self._tracking_uri}: it was deleted, or it "
                f"belongs to another tracking server; {URI_HINT}"
            ),
        )
        return ResolvedModel(
            uri=uri,
            name=None,
            version=None,
            model_id=model_id,
            run_id=logged.source_run_id or None,
            download_uri=str(logged.artifact_location),
        )

    def _logged_model(self, model_id: str) -> LoggedModel:
        return self._call(
            f"read logged model {model_id}",
            lambda: self._client.get_logged_model(model_id),
        )

    def _resolve_run(self, uri: str, run_id: str, path: str) -> ResolvedModel:
        run: Run = self._call(
            f"read run {run_id}",
            lambda: self._client.get_run(run_id),
            missing=lambda: ModelError(
                f"no run {run_id} in {self._tracking_uri}: check the run id, and {URI_HINT}"
            ),
        )
        if run.info.lifecycle_stage == "deleted":
            raise ModelError(f"run {run_id} was deleted; restore it or use another model URI")
        head, _, rest = path.partition("/")
        outputs = run.outputs.model_outputs if run.outputs else []
        names: list[str] = []
        for output in outputs or []:
            logged = self._logged_model(str(output.model_id))
            names.append(str(logged.name))
            if logged.name == head:
                location = str(logged.artifact_location).rstrip("/")
                return ResolvedModel(
                    uri=uri,
                    name=None,
                    version=None,
                    model_id=str(logged.model_id),
                    run_id=run_id,
                    download_uri=f"{location}/{rest}" if rest else location,
                )
        files = self._call(
            f"list the artifacts of run {run_id}",
            lambda: self._client.list_artifacts(run_id, path),
        )
        if any(Path(f.path).name == "MLmodel" for f in files):  # a model logged before MLflow 3
            root = str(run.info.artifact_uri).rstrip("/")
            return ResolvedModel(
                uri=uri,
                name=None,
                version=None,
                model_id=None,
                run_id=run_id,
                download_uri=f"{root}/{path}",
            )
        found = f"its logged models: {listing(names)}" if names else "it logged no model"
        raise ModelError(f"run {run_id} has no model at {path!r}; {found}")

    def download(self, resolved: ResolvedModel, dst: Path) -> Path:
        """Download ``resolved`` under ``dst``; return the local directory holding ``MLmodel``."""
        dst.mkdir(parents=True, exist_ok=True)
        missing = ModelError(
            f"the artifacts of {resolved.uri} are missing at {resolved.download_uri}: "
            "they were deleted or moved; pick another version"
        )

        def fetch() -> str:
            import mlflow

            return str(
                mlflow.artifacts.download_artifacts(
                    artifact_uri=resolved.download_uri,
                    dst_path=str(dst),
                    tracking_uri=self._tracking_uri,
                    registry_uri=self._registry_uri,
                )
            )

        local = self._call(
            f"download the artifacts of {resolved.uri}", fetch, missing=lambda: missing
        )
        path = Path(local)
        if not (path / "MLmodel").is_file():
            raise ModelError(
                f"{resolved.uri} is not an MLflow model: there is no MLmodel file in "
                f"{resolved.download_uri}"
            )
        return path

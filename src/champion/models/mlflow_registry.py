"""``MlflowRegistry``: the only wrapper around ``mlflow.MlflowClient`` in champion.

It reads registered models, versions, aliases, logged models and runs, resolves model URIs to
exact artifact locations and downloads them. Every MLflow call goes through ``_call``, which turns
"does not exist" into a ``ModelError`` listing what does exist, and every other failure into a
``RegistryAccessError`` saying why (see ``champion.models.connection``).

MLflow's fluent helpers (``mlflow.models.get_model_info``, ``download_artifacts("models:/...")``)
look names up in the *global* registry URI, not the client's, so this class resolves
``models:/`` URIs itself and only hands MLflow plain artifact locations.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import mlflow
import yaml
from mlflow.entities import LoggedModel, Run
from mlflow.entities.model_registry import ModelVersion, RegisteredModel

from champion.errors import ChampionError, ModelError
from champion.models.connection import (
    URI_HINT,
    apply_http_defaults,
    check_store_uri,
    guarded,
)
from champion.models.refs import (
    MODEL_ID_PATTERN,
    ModelVersionRef,
    ParsedUri,
    RegisteredModelInfo,
    ResolvedModel,
    did_you_mean,
    listing,
    parse_model_uri,
)
from champion.models.registry_writer import is_lock_model

T = TypeVar("T")
_PROBE_THREADS = 8


def _filter_value(value: str) -> str:
    """Quote a value for an MLflow search filter."""
    return f'"{value}"' if "'" in value else f"'{value}'"


def _model_id_of(mv: ModelVersion) -> str | None:
    """The logged model behind a version; MLflow 3 often leaves ``model_id`` empty."""
    if mv.model_id:
        return str(mv.model_id)
    match = MODEL_ID_PATTERN.search(mv.source or "")
    return match.group(0) if match and (mv.source or "").startswith("models:/") else None


class MlflowRegistry:
    """Read a model registry through MLflow (a sqlite/file store or a tracking server).

    ``tracking_uri`` defaults to MLflow's (``MLFLOW_TRACKING_URI``, else its default);
    ``registry_uri`` to ``MLFLOW_REGISTRY_URI``, else the tracking URI. A local store must
    already exist (``must_exist=False`` lets MLflow create it). Creating the registry applies
    champion's HTTP timeout and retry defaults to the variables the user has not set
    (``champion.models.connection.apply_http_defaults``).
    """

    def __init__(
        self,
        tracking_uri: str | None = None,
        registry_uri: str | None = None,
        *,
        must_exist: bool = True,
    ) -> None:
        apply_http_defaults()
        self._tracking_uri = str(tracking_uri or mlflow.get_tracking_uri())
        self._registry_uri = str(
            registry_uri or os.environ.get("MLFLOW_REGISTRY_URI") or self._tracking_uri
        )
        for uri in dict.fromkeys((self._tracking_uri, self._registry_uri)):
            check_store_uri(uri, must_exist=must_exist)
        self._probed: dict[tuple[str, str, str], tuple[str, bool]] = {}
        self._client: mlflow.MlflowClient = self._call(
            "open the store",
            lambda: mlflow.MlflowClient(
                tracking_uri=self._tracking_uri, registry_uri=self._registry_uri
            ),
        )

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

    # -- plumbing ---------------------------------------------------------------------------

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

    def _registered_models(self) -> list[RegisteredModel]:
        return self._pages(
            "list registered models",
            lambda token: self._client.search_registered_models(max_results=100, page_token=token),
        )

    def _model_versions(self, name: str) -> list[ModelVersion]:
        versions = self._pages(
            f"list the versions of model {name!r}",
            lambda token: self._client.search_model_versions(
                filter_string=f"name = {_filter_value(name)}", page_token=token
            ),
        )
        return sorted(versions, key=lambda mv: int(mv.version), reverse=True)

    def _registered_model(self, name: str) -> RegisteredModel:
        return self._call(
            f"read registered model {name!r}",
            lambda: self._client.get_registered_model(name),
            missing=lambda: self._unknown_model(name),
        )

    @staticmethod
    def _aliases(rm: RegisteredModel) -> dict[str, str]:
        """alias -> version (MLflow gives versions as int here, as str elsewhere)."""
        return {str(alias): str(version) for alias, version in (rm.aliases or {}).items()}

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

    def _unknown_alias(self, name: str, alias: str, aliases: dict[str, str]) -> ModelError:
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

    def _probe(self, mv: ModelVersion) -> tuple[str, bool]:
        """(download URI, has a signature) of a version, cached: versions are immutable."""
        key = (str(mv.name), str(mv.version), str(mv.source))
        if key not in self._probed:
            uri = self._call(
                f"locate the artifacts of models:/{mv.name}/{mv.version}",
                lambda: str(self._client.get_model_version_download_uri(mv.name, mv.version)),
            )
            self._probed[key] = (uri, self._has_signature(uri))
        return self._probed[key]

    def _has_signature(self, download_uri: str) -> bool:
        """Whether the MLmodel file at ``download_uri`` declares an input signature."""
        with tempfile.TemporaryDirectory(prefix="champion-mlmodel-") as tmp:
            try:
                local = self._call(
                    f"read {download_uri}/MLmodel",
                    lambda: mlflow.artifacts.download_artifacts(
                        artifact_uri=f"{download_uri.rstrip('/')}/MLmodel",
                        dst_path=tmp,
                        tracking_uri=self._tracking_uri,
                        registry_uri=self._registry_uri,
                    ),
                    missing=lambda: ModelError("no MLmodel"),
                )
                meta = yaml.safe_load(Path(local).read_text())
            except (ModelError, OSError, yaml.YAMLError):
                return False  # missing or unreadable: the loader will say so in detail
        signature = meta.get("signature") if isinstance(meta, dict) else None
        return isinstance(signature, dict) and bool(signature.get("inputs"))

    def _refs(self, name: str, aliases: dict[str, str]) -> tuple[ModelVersionRef, ...]:
        versions = self._model_versions(name)
        workers = max(1, min(_PROBE_THREADS, len(versions)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            probes = list(pool.map(self._probe, versions))
        return tuple(
            self._ref(mv, aliases, has_signature)
            for mv, (_, has_signature) in zip(versions, probes, strict=True)
        )

    @staticmethod
    def _ref(mv: ModelVersion, aliases: dict[str, str], has_signature: bool) -> ModelVersionRef:
        version = str(mv.version)
        return ModelVersionRef(
            name=str(mv.name),
            version=version,
            aliases=tuple(sorted(a for a, v in aliases.items() if v == version)),
            created=datetime.fromtimestamp(int(mv.creation_timestamp) / 1000, tz=UTC),
            run_id=mv.run_id or None,
            model_id=_model_id_of(mv),
            source=str(mv.source or ""),
            description=mv.description or None,
            has_signature=has_signature,
            tags=MappingProxyType({str(k): str(v) for k, v in (mv.tags or {}).items()}),
        )

    def _info(self, rm: RegisteredModel) -> RegisteredModelInfo:
        aliases = self._aliases(rm)
        return RegisteredModelInfo(
            name=str(rm.name),
            description=rm.description or None,
            aliases=MappingProxyType(aliases),
            tags=MappingProxyType({str(k): str(v) for k, v in (rm.tags or {}).items()}),
            versions=self._refs(str(rm.name), aliases),
        )

    # -- public API --------------------------------------------------------------------------

    def list_models(self) -> list[RegisteredModelInfo]:
        """Every registered model but champion's locks, with aliases and versions, by name."""
        registered = (rm for rm in self._registered_models() if not is_lock_model(str(rm.name)))
        models = sorted(registered, key=lambda rm: str(rm.name))
        return [self._info(rm) for rm in models]

    def get_model(self, name: str) -> RegisteredModelInfo:
        """One registered model with its aliases and versions (newest first)."""
        return self._info(self._registered_model(name))

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
        aliases = self._aliases(self._registered_model(name))
        if parsed.alias is not None:
            if parsed.alias not in aliases:
                raise self._unknown_alias(name, parsed.alias, aliases)
            version = aliases[parsed.alias]
        else:
            version = str(parsed.version)
        mv = self._call(
            f"read version {version} of model {name!r}",
            lambda: self._client.get_model_version(name, version),
            missing=lambda: self._unknown_version(name, version),
        )
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
        local = self._call(
            f"download the artifacts of {resolved.uri}",
            lambda: mlflow.artifacts.download_artifacts(
                artifact_uri=resolved.download_uri,
                dst_path=str(dst),
                tracking_uri=self._tracking_uri,
                registry_uri=self._registry_uri,
            ),
            missing=lambda: missing,
        )
        path = Path(local)
        if not (path / "MLmodel").is_file():
            raise ModelError(
                f"{resolved.uri} is not an MLflow model: there is no MLmodel file in "
                f"{resolved.download_uri}"
            )
        return path

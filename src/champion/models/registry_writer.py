"""Writing to the model registry: aliases, registered-model tags and champion's lock models.

``champion.actions`` is the only code that moves aliases; it writes through the
``RegistryWriter`` protocol, which ``MlflowRegistryWriter`` implements with ``MlflowClient``
(unit tests put an in-memory fake behind the same protocol).

Locks are registered models with a reserved name (:func:`lock_model_name`, prefix
:data:`LOCK_PREFIX`): MLflow refuses to create a registered model whose name exists
(``RESOURCE_ALREADY_EXISTS``, a unique key in its database), which makes creating one an atomic
test-and-set that every client of the same server sees. ``MlflowRegistry.list_models`` hides them.

Every MLflow failure is explained like a read (``champion.models.connection.classify``):
unreachable, 401, 403 ("permission denied"), 5xx each get their own ``RegistryAccessError``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

from champion.errors import ChampionError, ModelError
from champion.models.connection import apply_http_defaults, check_store_uri, guarded

if TYPE_CHECKING:  # MLflow itself is imported when a writer is created, not with this module
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

T = TypeVar("T")

#: registered models whose name starts with this are champion's locks, not models
LOCK_PREFIX = "champion-lock."
#: the same for three-level names: ``catalog.schema.champion_lock__...``
UC_LOCK_PREFIX = "champion_lock__"
#: MLflow's SQL schema stores registered model names as VARCHAR(256)
MAX_MODEL_NAME_LENGTH = 256
#: MLflow 3.17 validates registered-model tag values up to 100 000 characters, but its SQL
#: schema keeps them in VARCHAR(5000) (``registered_model_tags.value``; only model-version tags
#: were widened to TEXT), so MySQL and PostgreSQL stores refuse more than 5000
MAX_TAG_VALUE_LENGTH = 5000


def reserved_name(beside: str, *parts: str) -> str:
    """A registered-model name champion reserves for a lock or a claim, in the namespace of
    the model ``beside``.

    ``champion-lock.<part>.<part>...``; for a three-level (Unity Catalog style)
    ``catalog.schema.model``, ``catalog.schema.champion_lock__<part>__<part>...`` instead, so the
    name is itself three levels and lies in the schema where the model's users may create
    models. When the name exceeds MLflow's 256 characters, the first part becomes the first 32
    hex digits of its sha256 (still one name per model and parts).
    """
    levels = beside.split(".")
    three = len(levels) == 3 and all(levels)

    def joined(pieces: tuple[str, ...]) -> str:
        if three:
            return f"{levels[0]}.{levels[1]}.{UC_LOCK_PREFIX}" + "__".join(pieces)
        return LOCK_PREFIX + ".".join(pieces)

    plain = joined(parts)
    if len(plain) <= MAX_MODEL_NAME_LENGTH:
        return plain
    digest = hashlib.sha256(parts[0].encode()).hexdigest()[:32]
    return joined((digest, *parts[1:]))[:MAX_MODEL_NAME_LENGTH]


def lock_model_name(name: str, alias: str) -> str:
    """The reserved registered-model name of the lock on ``name@alias``:
    ``champion-lock.<name>.<alias>``, or ``catalog.schema.champion_lock__<model>__<alias>``
    for a three-level name (see :func:`reserved_name`)."""
    levels = name.split(".")
    model = levels[-1] if len(levels) == 3 and all(levels) else name
    return reserved_name(name, model, alias)


def is_lock_model(name: str) -> bool:
    """Whether a registered model name is one of champion's lock (or claim) models."""
    return name.startswith(LOCK_PREFIX) or name.rpartition(".")[2].startswith(UC_LOCK_PREFIX)


@dataclass(frozen=True)
class ModelState:
    """A registered model's aliases (alias -> version) and tags, read in one request."""

    name: str
    aliases: Mapping[str, str]
    tags: Mapping[str, str]


@dataclass(frozen=True)
class LockRecord:
    """A lock model as the registry holds it: its tags and the server's creation time (UTC)."""

    name: str
    tags: Mapping[str, str]
    created: datetime


@runtime_checkable
class RegistryStateReader(Protocol):
    """What reading the alias history needs: a model's aliases and tags, versions, locks."""

    @property
    def tracking_uri(self) -> str:
        """Where the registry lives (for messages)."""
        ...

    def model_state(self, name: str) -> ModelState:
        """The model's aliases and tags; ``ModelError`` if there is no such model."""
        ...

    def version_exists(self, name: str, version: str) -> bool:
        """Whether version ``version`` of model ``name`` exists (deleted versions do not)."""
        ...

    def read_lock(self, lock_name: str) -> LockRecord | None:
        """The lock model named ``lock_name``, or None when nobody holds it."""
        ...


@runtime_checkable
class RegistryWriter(RegistryStateReader, Protocol):
    """Write access: aliases, registered-model tags and lock models.

    Errors: ``ModelError`` for a missing model or version, ``RegistryAccessError`` subclasses
    when the registry is unreachable or refuses (``RegistryPermissionDenied`` for HTTP 403).
    """

    def set_alias(self, name: str, alias: str, version: str) -> None:
        """Point ``alias`` of model ``name`` at ``version`` (MLflow: last writer wins)."""
        ...

    def set_model_tag(self, name: str, key: str, value: str) -> None:
        """Set one tag of the registered model ``name``."""
        ...

    def create_lock(self, lock_name: str, tags: Mapping[str, str], description: str) -> bool:
        """Create the lock model with its tags in one request: True if this call created it,
        False if it already existed (held by someone, or by this caller's earlier attempt)."""
        ...

    def delete_lock(self, lock_name: str) -> bool:
        """Delete the lock model; False if it was not there."""
        ...


def _is_already_there(exc: MlflowException) -> bool:
    return bool(exc.error_code == "RESOURCE_ALREADY_EXISTS")


class MlflowRegistryWriter:
    """``RegistryWriter`` over ``mlflow.MlflowClient`` (a tracking server or a local store).

    URIs default like ``MlflowRegistry``'s; a local store must already exist. Creating the writer
    applies champion's HTTP timeout and retry defaults to the variables the user left unset.
    """

    def __init__(self, tracking_uri: str | None = None, registry_uri: str | None = None) -> None:
        import mlflow

        apply_http_defaults()
        self._tracking_uri = str(tracking_uri or mlflow.get_tracking_uri())
        self._registry_uri = str(
            registry_uri or os.environ.get("MLFLOW_REGISTRY_URI") or self._tracking_uri
        )
        for uri in dict.fromkeys((self._tracking_uri, self._registry_uri)):
            check_store_uri(uri)
        self._client: MlflowClient = self._call(
            "open the store",
            lambda: mlflow.MlflowClient(
                tracking_uri=self._tracking_uri, registry_uri=self._registry_uri
            ),
        )

    def __repr__(self) -> str:
        return f"MlflowRegistryWriter(tracking_uri={self._tracking_uri!r})"

    @property
    def tracking_uri(self) -> str:
        """The tracking URI (for messages)."""
        return self._tracking_uri

    def _call(
        self, action: str, fn: Callable[[], T], missing: Callable[[], ChampionError] | None = None
    ) -> T:
        return guarded(self._tracking_uri, action, fn, missing)

    def model_state(self, name: str) -> ModelState:
        """The model's aliases and tags; ``ModelError`` if there is no such model."""
        rm = self._call(
            f"read registered model {name!r}",
            lambda: self._client.get_registered_model(name),
            missing=lambda: ModelError(
                f"no model named {name!r} in {self._registry_uri}: check the name "
                "(champion models lists them)"
            ),
        )
        aliases = {str(a): str(v) for a, v in (rm.aliases or {}).items()}
        tags = {str(k): str(v) for k, v in (rm.tags or {}).items()}
        return ModelState(str(rm.name), MappingProxyType(aliases), MappingProxyType(tags))

    def version_exists(self, name: str, version: str) -> bool:
        """Whether version ``version`` of model ``name`` exists (deleted versions do not)."""

        def fetch() -> bool:
            self._client.get_model_version(name, str(version))
            return True

        try:
            return self._call(
                f"read version {version} of model {name!r}",
                fetch,
                missing=lambda: ModelError("missing"),
            )
        except ModelError:
            return False

    def read_lock(self, lock_name: str) -> LockRecord | None:
        """The lock model named ``lock_name`` (tags, server creation time), or None."""
        try:
            rm = self._call(
                f"read the lock {lock_name!r}",
                lambda: self._client.get_registered_model(lock_name),
                missing=lambda: ModelError("missing"),
            )
        except ModelError:
            return None
        created = datetime.fromtimestamp(int(rm.creation_timestamp or 0) / 1000, tz=UTC)
        tags = {str(k): str(v) for k, v in (rm.tags or {}).items()}
        return LockRecord(str(rm.name), MappingProxyType(tags), created)

    def set_alias(self, name: str, alias: str, version: str) -> None:
        """Point ``alias`` of model ``name`` at ``version``."""
        self._call(
            f"move the alias @{alias} of model {name!r} to version {version}",
            lambda: self._client.set_registered_model_alias(name, alias, str(version)),
            missing=lambda: ModelError(
                f"model {name!r} has no version {version} (or the model does not exist)"
            ),
        )

    def set_model_tag(self, name: str, key: str, value: str) -> None:
        """Set one tag of the registered model ``name``."""
        self._call(
            f"write the tag {key!r} of model {name!r}",
            lambda: self._client.set_registered_model_tag(name, key, value),
            missing=lambda: ModelError(f"no model named {name!r} in {self._registry_uri}"),
        )

    def create_lock(self, lock_name: str, tags: Mapping[str, str], description: str) -> bool:
        """Create the lock model (tags in the same request); False if the name is taken."""

        from mlflow.exceptions import MlflowException

        def create() -> bool:
            try:
                self._client.create_registered_model(
                    lock_name, tags=dict(tags), description=description
                )
            except MlflowException as exc:
                if _is_already_there(exc):
                    return False
                # Under contention a tracking server can answer a create with "does not exist"
                # (seen with MLflow 3.17 and sqlite when the holder deletes the lock meanwhile).
                # Treat it as "not created by this call": the caller reads the lock next, and a
                # lock carrying this caller's token means the create did land after all.
                if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
                    return False
                raise
            return True

        return self._call(f"create the lock {lock_name!r}", create)

    def delete_lock(self, lock_name: str) -> bool:
        """Delete the lock model; False if it was not there."""

        def delete() -> bool:
            self._client.delete_registered_model(lock_name)
            return True

        try:
            return self._call(
                f"delete the lock {lock_name!r}", delete, missing=lambda: ModelError("missing")
            )
        except ModelError:
            return False

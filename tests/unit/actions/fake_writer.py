"""An in-memory registry behind the ``RegistryWriter`` protocol, for unit tests of the logic.

``FakeRegistry`` plays the server (shared, thread-safe state: models with versions, aliases and
tags; lock models created atomically); each ``FakeWriter`` is one client of it. ``hooks`` let a
test make any call fail or do something first (a crash, a concurrent writer, a lost answer).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from champion.errors import ModelError
from champion.models import LockRecord, ModelState


@dataclass
class FakeModel:
    versions: set[str] = field(default_factory=set)
    aliases: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    description: str = ""


class FakeClock:
    """A clock that moves only when told to (or when something sleeps on it)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        self.slept: list[float] = []
        self._guard = threading.Lock()

    def __call__(self) -> datetime:
        with self._guard:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._guard:
            self.now += timedelta(seconds=seconds)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)


class FakeRegistry:
    """The shared state of a registry: registered models (lock models included)."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.models: dict[str, FakeModel] = {}
        self.guard = threading.RLock()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.calls: list[str] = []

    def add_model(self, name: str, versions: int, **aliases: str) -> None:
        self.models[name] = FakeModel(
            versions={str(v) for v in range(1, versions + 1)}, aliases=dict(aliases)
        )

    def delete_version(self, name: str, version: str) -> None:
        """As MLflow does: the version goes, and so do the aliases pointing at it."""
        with self.guard:
            model = self.models[name]
            model.versions.discard(version)
            model.aliases = {a: v for a, v in model.aliases.items() if v != version}

    def alias(self, name: str, alias: str) -> str | None:
        return self.models[name].aliases.get(alias)

    def locks(self) -> list[str]:
        return [n for n in self.models if n.startswith("champion-lock.")]


Hook = Callable[..., Any]


class FakeWriter:
    """One client of a FakeRegistry; ``hooks[method](*args)`` runs before the method does."""

    def __init__(self, registry: FakeRegistry, hooks: Mapping[str, Hook] | None = None) -> None:
        self.registry = registry
        self.hooks: dict[str, Hook] = dict(hooks or {})

    @property
    def tracking_uri(self) -> str:
        return "memory://fake"

    def _enter(self, method: str, *args: Any) -> None:
        self.registry.calls.append(method)
        hook = self.hooks.get(method)
        if hook is not None:
            hook(*args)

    def _model(self, name: str) -> FakeModel:
        model = self.registry.models.get(name)
        if model is None:
            raise ModelError(f"no model named {name!r}")
        return model

    def model_state(self, name: str) -> ModelState:
        self._enter("model_state", name)
        with self.registry.guard:
            model = self._model(name)
            return ModelState(
                name, MappingProxyType(dict(model.aliases)), MappingProxyType(dict(model.tags))
            )

    def version_exists(self, name: str, version: str) -> bool:
        self._enter("version_exists", name, version)
        with self.registry.guard:
            return str(version) in self._model(name).versions

    def read_lock(self, lock_name: str) -> LockRecord | None:
        self._enter("read_lock", lock_name)
        with self.registry.guard:
            model = self.registry.models.get(lock_name)
            if model is None:
                return None
            return LockRecord(lock_name, MappingProxyType(dict(model.tags)), model.created)

    def set_alias(self, name: str, alias: str, version: str) -> None:
        self._enter("set_alias", name, alias, version)
        with self.registry.guard:
            model = self._model(name)
            if version not in model.versions:
                raise ModelError(f"model {name!r} has no version {version}")
            model.aliases[alias] = version

    def set_model_tag(self, name: str, key: str, value: str) -> None:
        self._enter("set_model_tag", name, key, value)
        with self.registry.guard:
            self._model(name).tags[key] = value

    def create_lock(self, lock_name: str, tags: Mapping[str, str], description: str) -> bool:
        self._enter("create_lock", lock_name, tags, description)
        with self.registry.guard:
            if lock_name in self.registry.models:
                return False
            self.registry.models[lock_name] = FakeModel(
                tags=dict(tags), created=self.registry.clock(), description=description
            )
            return True

    def delete_lock(self, lock_name: str) -> bool:
        self._enter("delete_lock", lock_name)
        with self.registry.guard:
            return self.registry.models.pop(lock_name, None) is not None

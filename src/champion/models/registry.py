"""The interface the rest of champion uses to read a model registry.

``MlflowRegistry`` implements it against MLflow; unit tests of other layers can put a fake
behind the same interface (it is a structural ``Protocol``: no inheritance needed).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol, runtime_checkable

from champion.models.refs import RegisteredModelInfo, ResolvedModel


@runtime_checkable
class RegistryClient(Protocol):
    """Read access to registered models.

    Errors: ``ModelError`` when the model, alias, version, logged model or run does not exist
    (the message lists what does), ``RegistryError`` (see ``champion.models.connection``) when
    the registry cannot be reached or refuses the request.
    """

    @property
    def tracking_uri(self) -> str:
        """Where the registry lives (for messages and for downloading ``download_uri``)."""
        ...

    def list_models(self) -> list[RegisteredModelInfo]:
        """Every registered model with its aliases and versions, sorted by name."""
        ...

    def get_model(self, name: str) -> RegisteredModelInfo:
        """One registered model with its aliases and versions (newest first)."""
        ...

    def aliases(self, name: str) -> Mapping[str, str]:
        """alias -> version of one registered model: a cheap read (unlike ``get_model``, no
        version and no artifact is looked at)."""
        ...

    def resolve(self, uri: str) -> ResolvedModel:
        """Pin a model URI (alias, version, logged model id or run path) to exact artifacts."""
        ...

    def download(self, resolved: ResolvedModel, dst: Path) -> Path:
        """Download the model's artifacts under ``dst``; return the directory with ``MLmodel``."""
        ...

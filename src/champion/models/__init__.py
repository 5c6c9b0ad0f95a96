"""Model registry access: the only part of champion that imports MLflow.

``MlflowRegistry`` reads registered models, versions and aliases, resolves model URIs to exact
artifacts and downloads them; other layers depend on the ``RegistryClient`` protocol and the
frozen dataclasses of ``champion.models.refs``.

The names below load on first use (PEP 562), and MLflow itself only when a registry needs it:
reading a tracking server over http(s) goes through ``champion.models.rest`` without MLflow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from champion.lazy import lazy_names

if TYPE_CHECKING:
    from champion.models.connection import (
        RegistryAccessError,
        RegistryAuthError,
        RegistryPermissionDenied,
        RegistryServerError,
        RegistryStoreError,
        RegistryUnreachable,
        apply_http_defaults,
    )
    from champion.models.mlflow_registry import MlflowRegistry
    from champion.models.refs import (
        ModelVersionRef,
        ParsedUri,
        RegisteredModelInfo,
        ResolvedModel,
        parse_model_uri,
    )
    from champion.models.registry import RegistryClient
    from champion.models.registry_writer import (
        LOCK_PREFIX,
        LockRecord,
        MlflowRegistryWriter,
        ModelState,
        RegistryStateReader,
        RegistryWriter,
        is_lock_model,
        lock_model_name,
    )

# public name -> the submodule that defines it
_LAZY = {
    **dict.fromkeys(
        (
            "RegistryAccessError",
            "RegistryAuthError",
            "RegistryPermissionDenied",
            "RegistryServerError",
            "RegistryStoreError",
            "RegistryUnreachable",
            "apply_http_defaults",
        ),
        "connection",
    ),
    "MlflowRegistry": "mlflow_registry",
    **dict.fromkeys(
        ("ModelVersionRef", "ParsedUri", "RegisteredModelInfo", "ResolvedModel", "parse_model_uri"),
        "refs",
    ),
    "RegistryClient": "registry",
    **dict.fromkeys(
        (
            "LOCK_PREFIX",
            "LockRecord",
            "MlflowRegistryWriter",
            "ModelState",
            "RegistryStateReader",
            "RegistryWriter",
            "is_lock_model",
            "lock_model_name",
        ),
        "registry_writer",
    ),
}

__all__ = [
    "LOCK_PREFIX",
    "LockRecord",
    "MlflowRegistry",
    "MlflowRegistryWriter",
    "ModelState",
    "ModelVersionRef",
    "ParsedUri",
    "RegisteredModelInfo",
    "RegistryAccessError",
    "RegistryAuthError",
    "RegistryClient",
    "RegistryPermissionDenied",
    "RegistryServerError",
    "RegistryStateReader",
    "RegistryStoreError",
    "RegistryUnreachable",
    "RegistryWriter",
    "ResolvedModel",
    "apply_http_defaults",
    "is_lock_model",
    "lock_model_name",
    "parse_model_uri",
]


if not TYPE_CHECKING:  # mypy reads the imports above, so it still flags unknown names
    __getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())

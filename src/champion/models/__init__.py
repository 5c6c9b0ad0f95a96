"""Model registry access: the only part of champion that imports MLflow.

``MlflowRegistry`` reads registered models, versions and aliases, resolves model URIs to exact
artifacts and downloads them; other layers depend on the ``RegistryClient`` protocol and the
frozen dataclasses of ``champion.models.refs``.
"""

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

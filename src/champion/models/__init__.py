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

__all__ = [
    "MlflowRegistry",
    "ModelVersionRef",
    "ParsedUri",
    "RegisteredModelInfo",
    "RegistryAccessError",
    "RegistryAuthError",
    "RegistryClient",
    "RegistryPermissionDenied",
    "RegistryServerError",
    "RegistryStoreError",
    "RegistryUnreachable",
    "ResolvedModel",
    "apply_http_defaults",
    "parse_model_uri",
]

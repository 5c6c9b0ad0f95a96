"""MlflowRegistryWriter.create_lock: what a create under contention answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST

from champion.models import MlflowRegistryWriter


def test_a_create_answered_with_does_not_exist_counts_as_not_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    MlflowClient(tracking_uri=uri).search_registered_models()  # creates the store
    writer = MlflowRegistryWriter(uri)
    assert writer.create_lock("champion-lock.m.champion", {"token": "a"}, "lock") is True
    assert writer.create_lock("champion-lock.m.champion", {"token": "b"}, "lock") is False

    def vanished(*_args: object, **_kwargs: object) -> None:
        raise MlflowException("Registered Model not found", RESOURCE_DOES_NOT_EXIST)

    monkeypatch.setattr(writer._client, "create_registered_model", vanished)
    assert writer.create_lock("champion-lock.m.other", {"token": "c"}, "lock") is False

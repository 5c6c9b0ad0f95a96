"""Test sets kept as MLflow artifacts: ``runs:/RUN_ID/path`` and ``mlflow-artifacts:/path``.

:func:`artifact_fetcher` gives ``champion.data.load_dataset`` the function that copies such an
artifact (a file, or a folder of Parquet files) into a local folder: its size is read from the
artifact listing first, so nothing past ``--max-bytes`` is downloaded, then MLflow downloads it
with the tracking server's credentials (and, for artifacts the server proxies, through it).
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import Any

from champion.data.loaders import Fetch
from champion.data.tables import Limits
from champion.errors import DataError
from champion.models.connection import guarded

_MAX_LISTED = 10_000  # files a test-set folder may hold


def artifact_fetcher(tracking_uri: str | None) -> Fetch:
    """A fetch for ``load_dataset(..., fetch=)`` reading through the tracking server at
    tracking_uri (None: ``MLFLOW_TRACKING_URI``; without either, a DataError says so)."""

    def fetch(uri: str, directory: Path, limits: Limits) -> Path:
        tracking = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")
        if not tracking:
            raise DataError(
                f"{uri!r} is an MLflow artifact, read through the tracking server: pass "
                "--tracking-uri or set MLFLOW_TRACKING_URI."
            )
        size = artifact_size(uri, tracking)
        if size > limits.max_bytes:
            raise limits.too_large(repr(uri), size)

        def download() -> str:
            import mlflow

            return str(
                mlflow.artifacts.download_artifacts(
                    artifact_uri=uri, dst_path=str(directory), tracking_uri=tracking
                )
            )

        return Path(guarded(tracking, f"download {uri}", download, missing=lambda: _missing(uri)))

    return fetch


def artifact_size(uri: str, tracking_uri: str) -> int:
    """Bytes of the artifact at uri (a file, or every file under a folder)."""
    parent, _, name = uri.rstrip("/").rpartition("/")
    if parent.endswith(":") or not name:  # "runs:/RUN_ID" itself: the run's whole folder
        return _folder_size(uri, tracking_uri)
    listed = _listing(parent, tracking_uri, uri)
    entry = next((f for f in listed if PurePosixPath(f.path).name == name), None)
    if entry is None:
        raise _missing(uri)
    return _folder_size(uri, tracking_uri) if entry.is_dir else int(entry.file_size or 0)


def _folder_size(uri: str, tracking_uri: str) -> int:
    total, pending, seen = 0, [uri.rstrip("/")], 0
    while pending:
        folder = pending.pop()
        for entry in _listing(folder, tracking_uri, uri):
            seen += 1
            if seen > _MAX_LISTED:
                raise DataError(
                    f"{uri!r} holds more than {_MAX_LISTED:,} files; a test set is one file or "
                    "a folder of a few Parquet files."
                )
            if entry.is_dir:
                pending.append(f"{folder}/{PurePosixPath(entry.path).name}")
            else:
                total += int(entry.file_size or 0)
    return total


def _listing(folder: str, tracking_uri: str, uri: str) -> list[Any]:
    def listed() -> list[Any]:
        import mlflow

        if folder.lower().startswith("runs:/"):  # MLflow lists a run's root only by run id
            run_id, _, path = folder[len("runs:/") :].strip("/").partition("/")
            client = mlflow.MlflowClient(tracking_uri=tracking_uri)
            return list(client.list_artifacts(run_id, path or None))
        return list(mlflow.artifacts.list_artifacts(artifact_uri=folder, tracking_uri=tracking_uri))

    return guarded(tracking_uri, f"list {folder}", listed, missing=lambda: _missing(uri))


def _missing(uri: str) -> DataError:
    return DataError(
        f"{uri!r} does not exist: no artifact has that path (check the run id and the path "
        "as the run's Artifacts tab shows them)."
    )

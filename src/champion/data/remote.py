"""Test sets in object stores: ``s3://``, ``gs://`` and ``abfs://`` through pyarrow's filesystems.

A URI names one file (CSV or Parquet) or a prefix holding Parquet files (a partitioned
dataset). What it names is copied into a local temporary folder, in chunks and never past
``Limits.max_bytes`` in all, and then read like a local file or folder, so every limit and
check of local files applies and the fingerprint (of the rows, not of where they came from)
equals the local copy's.

Credentials are the providers' usual ones (AWS: environment, ``~/.aws``, instance roles; GCS:
application default credentials; Azure: ``AZURE_STORAGE_ACCOUNT_KEY`` and the like, as pyarrow
reads them). An S3-compatible endpoint (MinIO, Ceph, ...) is taken from ``AWS_ENDPOINT_URL_S3``,
``AWS_ENDPOINT_URL`` or MLflow's ``MLFLOW_S3_ENDPOINT_URL``.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from champion.data.tables import PARQUET_SUFFIXES, SUPPORTED_SUFFIXES, Limits
from champion.errors import DataError

OBJECT_SCHEMES = ("s3", "gs", "gcs", "abfs", "abfss", "az")
_ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "MLFLOW_S3_ENDPOINT_URL")
_CHUNK_BYTES = 1 << 20
_REFUSED_CODES = (
    "invalid_access_key_id",
    "invalidaccesskeyid",
    "signature_does_not_match",
    "signaturedoesnotmatch",
    "invalid_client_token",
    "expired_token",
)
_PROVIDER = {"s3": "S3", "gs": "Google Cloud Storage", "gcs": "Google Cloud Storage"}


def is_object_uri(source: object) -> bool:
    """True for an ``s3://``, ``gs://``, ``gcs://``, ``abfs(s)://`` or ``az://`` URI."""
    if not isinstance(source, str) or "://" not in source:
        return False
    return source.split("://", 1)[0].strip().lower() in OBJECT_SCHEMES


def s3_endpoint() -> str | None:
    """The S3-compatible endpoint the environment names, or None for AWS itself."""
    for name in _ENDPOINT_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def filesystem(uri: str) -> tuple[Any, str]:
    """(pyarrow FileSystem, path inside it) for an object-store URI."""
    import pyarrow.fs as pafs

    scheme = uri.split("://", 1)[0].lower()
    endpoint = s3_endpoint() if scheme == "s3" else None
    try:
        if endpoint is None:
            fs, path = pafs.FileSystem.from_uri(uri)
            return fs, str(path)
        parts = urlsplit(endpoint)
        fs = pafs.S3FileSystem(
            endpoint_override=parts.netloc or endpoint,
            scheme=parts.scheme or "https",
            region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "",
        )
        return fs, uri.split("://", 1)[1]
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot open {uri!r}: {describe_error(exc)}.") from None


def fetch_object(uri: str, directory: Path, limits: Limits) -> Path:
    """Copy the file or the Parquet files under the prefix that uri names into directory;
    return the local file, or the folder holding the files (their relative paths kept, so
    hive-style ``key=value`` folders still partition).

    Raises DataError: unreachable endpoint, missing bucket or key, refused credentials, an
    unsupported file type, no Parquet files under a prefix, or more than limits.max_bytes.
    """
    import pyarrow.fs as pafs

    fs, path = filesystem(uri)
    info = _info(fs, path, uri)
    if info.type == pafs.FileType.File:
        name = PurePosixPath(path).name
        if not name.lower().endswith(SUPPORTED_SUFFIXES):
            raise DataError(
                f"cannot read {uri!r}: unsupported file type (the key must end in one of "
                f"{', '.join(SUPPORTED_SUFFIXES)}), or name a prefix of Parquet files."
            )
        if info.size is not None and info.size > limits.max_bytes:
            raise limits.too_large(repr(uri), info.size)
        target = directory / name
        _copy(fs, path, target, uri, limits.max_bytes)
        return target
    files = _parquet_files(fs, path, uri)
    total = sum(f.size or 0 for f in files)
    if total > limits.max_bytes:
        raise limits.too_large(f"{uri!r} ({len(files)} Parquet files)", total)
    folder = directory / "dataset"
    budget = limits.max_bytes
    for found in files:
        relative = PurePosixPath(found.path).relative_to(PurePosixPath(path.rstrip("/")))
        budget -= _copy(fs, found.path, folder.joinpath(*relative.parts), uri, budget)
    return folder


def _info(fs: Any, path: str, uri: str) -> Any:
    import pyarrow.fs as pafs

    try:
        info = fs.get_file_info(path)
    except (OSError, ValueError) as exc:
        reason = describe_error(_refined(fs, path, exc))
        raise DataError(f"cannot read {uri!r}: {reason}.") from None
    if info.type == pafs.FileType.NotFound:
        bucket = path.split("/", 1)[0]
        with contextlib.suppress(OSError, ValueError):
            if fs.get_file_info(bucket).type == pafs.FileType.NotFound:
                raise DataError(
                    f"cannot read {uri!r}: the bucket (container) {bucket!r} does not exist; "
                    "check its name."
                )
        raise DataError(
            f"{uri!r} does not exist: no object has that key and no objects lie under it as a "
            "prefix; check the path."
        )
    return info


def _refined(fs: Any, path: str, exc: BaseException) -> BaseException:
    """A HEAD request that was denied says no more (it has no body); a listing tells refused
    credentials (an unknown key, a wrong secret) from a missing permission."""
    import pyarrow.fs as pafs

    if "access_denied" not in str(exc).lower():
        return exc
    try:
        fs.get_file_info(pafs.FileSelector(path.rsplit("/", 1)[0], recursive=False))
    except (OSError, ValueError) as listing:
        text = str(listing).lower()
        if any(code in text for code in _REFUSED_CODES):
            return listing
    return exc


def _parquet_files(fs: Any, path: str, uri: str) -> list[Any]:
    """The Parquet files under path, sorted by path (the rows' order); hidden and ``_``
    files (``_SUCCESS``, ``_metadata``) left out."""
    import pyarrow.fs as pafs

    try:
        listed = fs.get_file_info(pafs.FileSelector(path.rstrip("/"), recursive=True))
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot list {uri!r}: {describe_error(exc)}.") from None
    files = [
        f
        for f in listed
        if f.type == pafs.FileType.File
        and f.base_name.lower().endswith(PARQUET_SUFFIXES)
        and not f.base_name.startswith(("_", "."))
    ]
    if not files:
        raise DataError(
            f"{uri!r} is a prefix with no Parquet files under it; name a CSV or Parquet "
            "file, or a prefix of .parquet files (a partitioned dataset)."
        )
    return sorted(files, key=lambda f: f.path)


def _copy(fs: Any, path: str, target: Path, uri: str, budget: int) -> int:
    """Copy one object to target in chunks, stopping past budget bytes; the bytes copied."""
    target.parent.mkdir(parents=True, exist_ok=True)
    copied = 0
    try:
        with fs.open_input_stream(path) as source, target.open("wb") as out:
            while chunk := source.read(_CHUNK_BYTES):
                copied += len(chunk)
                if copied > budget:
                    raise Limits(max_bytes=budget).too_large(f"{uri!r} (downloading)", copied)
                out.write(chunk)
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read {uri!r}: {describe_error(exc)}.") from None
    return copied


def describe_error(exc: BaseException) -> str:
    """What went wrong, in words a user can act on, from pyarrow's error text."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    lowered = text.lower()
    if "access_denied" in lowered or "accessdenied" in lowered or "forbidden" in lowered:
        return f"access denied: these credentials may not read it ({text[:300]})"
    if any(code in lowered for code in _REFUSED_CODES):
        return (
            f"the credentials were refused: an unknown key or a wrong secret ({text[:300]}); "
            "check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the profile in use"
        )
    if "nosuchbucket" in lowered or "no_such_bucket" in lowered:
        return f"the bucket does not exist ({text[:300]})"
    if "network_connection" in lowered or "couldn't connect" in lowered or "timed out" in lowered:
        return (
            f"the storage endpoint cannot be reached ({text[:300]}); check the address "
            f"({', '.join(_ENDPOINT_VARIABLES)} for S3-compatible stores) and the network"
        )
    return text[:400]

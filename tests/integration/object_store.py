"""An S3 endpoint for the tests: moto's standalone server (``moto[server]``) on a loopback port,
the stand-in for S3 or MinIO. One plain endpoint (any credentials accepted) and, for the
credential errors, one that checks them (moto's IAM: ``INITIAL_NO_AUTH_ACTION_COUNT``)."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from .servers import free_port, stop_process

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass(frozen=True)
class S3Endpoint:
    """A running moto server: its URL and the environment that points S3 clients at it."""

    url: str
    process: subprocess.Popen[bytes]

    def env(self, **changes: str) -> dict[str, str]:
        return {**CREDENTIALS, "AWS_ENDPOINT_URL": self.url, **changes}

    def client(self, **credentials: str) -> Any:
        import boto3

        env = self.env()
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=credentials.get("key", env["AWS_ACCESS_KEY_ID"]),
            aws_secret_access_key=credentials.get("secret", env["AWS_SECRET_ACCESS_KEY"]),
        )

    def put_frame(self, bucket: str, key: str, frame: pd.DataFrame) -> str:
        """frame as CSV or Parquet (by key's suffix) at s3://bucket/key; returns that URI."""
        body = io.BytesIO()
        if key.endswith(".csv"):
            body.write(frame.to_csv(index=False).encode())
        else:
            frame.to_parquet(body, index=False)
        self.client().put_object(Bucket=bucket, Key=key, Body=body.getvalue())
        return f"s3://{bucket}/{key}"


def start_moto(root: Path, env: dict[str, str] | None = None) -> S3Endpoint:
    port = free_port()
    log = root / f"moto-{port}.log"
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            cwd=root,
            env={"PATH": "/usr/bin:/bin", **(env or {})},
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"moto server exited: {log.read_text(errors='replace')[-2000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/moto-api/", timeout=2):
            return S3Endpoint(url, process)
        time.sleep(0.2)
    stop_process(process)
    pytest.fail(f"moto server did not answer at {url}: {log.read_text(errors='replace')[-2000:]}")


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Endpoint]:
    """A plain S3 endpoint for the session."""
    endpoint = start_moto(tmp_path_factory.mktemp("moto"))
    try:
        yield endpoint
    finally:
        stop_process(endpoint.process)

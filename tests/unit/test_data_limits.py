"""Test-set size limits: bytes of a file or a download, rows of CSV and Parquet; downloads
follow redirects to http(s) only. Each refusal names the limit and how to raise it."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from champion.cli.main import champion
from champion.data import Limits, load_dataset, read_table
from champion.errors import DataError


@pytest.fixture
def table(tmp_path: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.random(1000), "label": rng.integers(0, 2, 1000)})
    csv, parquet = tmp_path / "t.csv", tmp_path / "t.parquet"
    frame.to_csv(csv, index=False)
    frame.to_parquet(parquet)
    return csv, parquet


def test_a_file_over_the_byte_limit_is_not_read(table: tuple[Path, Path]) -> None:
    csv, _ = table
    with pytest.raises(
        DataError, match=r"over the limit of 1,000 bytes; raise it with --max-bytes"
    ):
        read_table(csv, Limits(max_bytes=1000))


@pytest.mark.parametrize("which", [0, 1])
def test_rows_over_the_limit_are_refused(table: tuple[Path, Path], which: int) -> None:
    path = table[which]
    with pytest.raises(DataError, match=r"over the limit of 999 rows; raise it with --max-rows"):
        read_table(path, Limits(max_rows=999))
    assert len(read_table(path, Limits(max_rows=1000))) == 1000


def test_the_cli_takes_the_limits(table: tuple[Path, Path]) -> None:
    csv, _ = table
    args = ["compare", "--predictions", str(csv), "--target", "label", "--score", "a=x"]
    refused = CliRunner().invoke(champion, [*args, "--max-rows", "10"])
    assert refused.exit_code == 2
    assert "over the limit of 10 rows" in refused.stderr
    small = CliRunner().invoke(champion, [*args, "--max-bytes", "1KB"])
    assert small.exit_code == 2
    assert "over the limit of 1,000 bytes" in small.stderr
    fits = CliRunner().invoke(champion, [*args, "--max-rows", "1000", "--n-boot", "0"])
    assert fits.exit_code == 0, fits.output


class _Handler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/elsewhere"):
            self.send_response(302)
            self.send_header("Location", "ftp://127.0.0.1/t.csv")
            self.end_headers()
            return
        super().do_GET()


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    root = tmp_path / "www"
    root.mkdir()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_a_download_stops_at_the_byte_limit(
    server: tuple[str, Path], table: tuple[Path, Path]
) -> None:
    base, root = server
    (root / "t.csv").write_bytes(table[0].read_bytes() * 20)  # ~0.4 MB
    with pytest.raises(DataError, match=r"\(downloading\) is .* over the limit of 100,000 bytes"):
        load_dataset(f"{base}/t.csv", target="label", limits=Limits(max_bytes=100_000), timeout=5)


def test_a_redirect_to_another_scheme_is_not_followed(server: tuple[str, Path]) -> None:
    base, _ = server
    with pytest.raises(DataError, match=r"redirected to 'ftp://127\.0\.0\.1/t\.csv'.*not http"):
        load_dataset(f"{base}/elsewhere/t.csv", target="label", timeout=5)

"""``mlflow server`` subprocesses for the integration tests: launch one over a sqlite file on a
loopback port (optionally MLflow's basic-auth app), wait until it answers, stop its whole process
group. Restarting over the same file (and port) is how tests check what survives a restart."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

SERVER_START_TIMEOUT = 60.0


def free_port() -> int:
    """A loopback port that nothing listens on (the OS picked it, then it was released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class RunningServer:
    """A live ``mlflow server`` subprocess."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's combined stdout and stderr."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Stop the server's whole process group (it forks uvicorn): SIGTERM, then SIGKILL.

    The group is signalled even if its leader is gone, so no worker outlives the session.
    """
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        process.poll()  # reap the leader, else it lingers as a zombie member of the group
        if not _group_alive(process.pid):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def wait_until_healthy(server: RunningServer) -> None:
    """Wait for ``/health``; fail with the server's log tail if it exits or is not up in time."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(
                f"mlflow server exited with code {server.process.returncode} before it was "
                f"ready; log tail:\n{server.log_tail()}"
            )
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{server.url}/health", timeout=2) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.25)
    pytest.fail(
        f"mlflow server at {server.url} was not healthy within {SERVER_START_TIMEOUT:.0f} s; "
        f"log tail:\n{server.log_tail()}"
    )


def launch_server(
    root: Path,
    db: Path,
    *,
    app_name: str | None = None,
    env: Mapping[str, str] | None = None,
    port: int | None = None,
) -> RunningServer:
    """Start ``mlflow server`` over the sqlite file ``db`` (artifacts and log under ``root``) on
    ``port`` (a free one by default), without waiting for it; the child sees none of this
    process's ``MLFLOW_*`` variables, only ``env``."""
    port = port or free_port()
    log = root / f"server-{port}.log"
    command = [
        str(Path(sys.executable).with_name("mlflow")),
        "server",
        "--backend-store-uri",
        f"sqlite:///{db}",
        "--artifacts-destination",
        str(root / "artifacts"),
        "--serve-artifacts",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    if app_name:
        command += ["--app-name", app_name]
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    child_env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"  # no huey job runner processes
    child_env.update(env or {})
    with log.open("ab") as sink:
        process = subprocess.Popen(
            command,
            cwd=root,
            env=child_env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return RunningServer(url=f"http://127.0.0.1:{port}", process=process, log=log)


def start_server(
    root: Path,
    db: Path,
    *,
    app_name: str | None = None,
    env: Mapping[str, str] | None = None,
    port: int | None = None,
) -> RunningServer:
    """``launch_server``, then wait until it answers ``/health`` (stopped again if it never
    does); stop it with ``stop_server``."""
    server = launch_server(root, db, app_name=app_name, env=env, port=port)
    try:
        wait_until_healthy(server)
    except BaseException:
        stop_process(server.process)
        raise
    return server


def stop_server(server: RunningServer) -> None:
    """Stop the server's whole process group."""
    stop_process(server.process)


@contextlib.contextmanager
def champion_serve(options: list[str], log: Path, ready_path: str = "/health") -> Iterator[str]:
    """``champion serve OPTIONS --port <free port>`` as a subprocess (its output appended to
    log) until the block ends; yields its URL once ready_path answers 200."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("champion")), "serve", *options]
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(url + ready_path, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"champion serve did not answer; log:\n{log.read_text()}")
        yield url
    finally:
        stop_process(process)

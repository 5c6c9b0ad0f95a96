"""The "team stack" for the integration tests: MLflow on PostgreSQL with its artifacts in S3.

``team_stack`` (session-scoped) runs ``scripts/team-stack.sh start --direct-artifacts`` in a fresh
state folder and ``stop`` at the end, whatever happened: PostgreSQL, moto's S3 server with one
bucket, an ``mlflow server`` proxying artifacts to ``s3://BUCKET/artifacts`` and a second one
(its own database) whose clients write ``s3://BUCKET/direct`` themselves. It yields the
``DIR/stack.env`` the script wrote, parsed into a ``TeamStack``. Everything listens on 127.0.0.1.

The state folder is made with ``mkdtemp`` (not pytest's tmp folders: as root the cluster runs as
the ``postgres`` user, who must be able to reach it) and removed at the end; the services' logs
are copied first into pytest's tmp folder ``team-stack-logs*``. ``CHAMPION_STACK_KEEP=1`` keeps
the state folder. PostgreSQL must be installed (``make postgres``).

``team_stack_auth`` (session-scoped too) is a second stack, ``start --auth``: its mlflow server
runs MLflow's basic-auth app (the admin account in ``TeamStack.admin``); ``serve_dashboard``
starts ``champion serve`` on a stack with ``team-stack.sh serve`` and returns its URL.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "team-stack.sh"
START_TIMEOUT = 360.0
STOP_TIMEOUT = 120.0
#: the variables a client of the stack needs to reach S3 (the tracking URI aside)
S3_VARIABLES = (
    "MLFLOW_S3_ENDPOINT_URL",
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
)


@dataclass(frozen=True)
class TeamStack:
    """A running team stack: what ``DIR/stack.env`` says."""

    dir: Path
    tracking_uri: str  # the mlflow server that proxies artifacts to S3
    direct_uri: str  # the mlflow server whose clients write S3 themselves
    s3_endpoint: str
    bucket: str
    artifacts: str  # s3://BUCKET/artifacts, behind the proxy
    direct_artifacts: str  # s3://BUCKET/direct, the direct server's default artifact root
    pg_uri: str
    variables: Mapping[str, str]  # every variable stack.env exports

    @property
    def s3_env(self) -> dict[str, str]:
        """The S3 endpoint and credentials, for a client that reads or writes S3 itself."""
        return {name: self.variables[name] for name in S3_VARIABLES}

    def env(self, tracking_uri: str | None = None) -> dict[str, str]:
        """The environment of a subprocess using the stack: this process's, less any
        ``MLFLOW_*``, ``CHAMPION_*`` and ``AWS_*`` variable, plus stack.env's, with
        ``MLFLOW_TRACKING_URI`` pointing at ``tracking_uri`` (the proxying server by default)."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("MLFLOW_", "CHAMPION_", "AWS_"))
        }
        env.update(self.variables)
        env["MLFLOW_TRACKING_URI"] = tracking_uri or self.tracking_uri
        return env

    @property
    def admin(self) -> tuple[str, str] | None:
        """The admin account of MLflow's basic-auth app (``start --auth``), else None."""
        if self.variables.get("CHAMPION_STACK_AUTH") != "1":
            return None
        v = self.variables
        return v["CHAMPION_STACK_ADMIN_USERNAME"], v["CHAMPION_STACK_ADMIN_PASSWORD"]

    def log_tail(self, name: str = "mlflow.log", lines: int = 40) -> str:
        """The end of one of the stack's logs (mlflow.log, mlflow-direct.log, moto.log,
        pg/postgres.log)."""
        path = self.dir / name
        text = path.read_text(errors="replace") if path.exists() else f"(no {path})"
        return f"----- {path}\n" + "\n".join(text.splitlines()[-lines:])


def read_stack_env(path: Path) -> dict[str, str]:
    """The ``export NAME=VALUE`` lines of a stack.env (values quoted as bash's printf %q does)."""
    variables: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if not line.startswith("export "):
            continue
        name, _, quoted = line.removeprefix("export ").partition("=")
        words = shlex.split(quoted)
        variables[name] = words[0] if words else ""
    return variables


def stack_from_env(directory: Path) -> TeamStack:
    """Parse ``directory/stack.env`` into a TeamStack."""
    v = read_stack_env(directory / "stack.env")
    return TeamStack(
        dir=directory,
        tracking_uri=v["MLFLOW_TRACKING_URI"],
        direct_uri=v["CHAMPION_STACK_DIRECT_URI"],
        s3_endpoint=v["MLFLOW_S3_ENDPOINT_URL"],
        bucket=v["CHAMPION_STACK_S3_BUCKET"],
        artifacts=v["CHAMPION_STACK_ARTIFACTS"],
        direct_artifacts=v["CHAMPION_STACK_DIRECT_ARTIFACTS"],
        pg_uri=v["CHAMPION_STACK_PG_URI"],
        variables=v,
    )


def _run_script(command: str, directory: Path, timeout: float, *options: str) -> str:
    """Run ``team-stack.sh COMMAND [OPTIONS] DIR``; its combined output; fail on a non-zero
    exit (with the output)."""
    return _run([command, *options, str(directory)], timeout, command)


def _run(arguments: list[str], timeout: float, command: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "AWS_"))}
    env["CHAMPION_PYTHON"] = sys.executable  # this venv's moto, mlflow and boto3
    done = subprocess.run(
        ["bash", str(SCRIPT), *arguments],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"team-stack.sh {command} exited {done.returncode}:\n{done.stdout}")
    return done.stdout


def _keep_logs(directory: Path, into: Path) -> None:
    for log in [*directory.glob("*.log"), *directory.glob("pg/*.log")]:
        try:
            shutil.copy(log, into / log.name)
        except OSError:
            continue


@contextmanager
def _running_stack(tmp_path_factory: pytest.TempPathFactory, *options: str) -> Iterator[TeamStack]:
    """``team-stack.sh start OPTIONS DIR`` in a fresh folder; stopped (logs kept) at the end,
    also when starting it failed half-way."""
    if not SCRIPT.exists():
        pytest.fail(f"{SCRIPT} is missing")
    base = Path(tempfile.mkdtemp(prefix="champion-stack-"))
    base.chmod(0o755)  # as root, the postgres user must reach base/stack/pg
    directory = base / "stack"
    try:
        _run_script("start", directory, START_TIMEOUT, *options)
        yield stack_from_env(directory)
    finally:
        try:
            _run_script("stop", directory, STOP_TIMEOUT)
        finally:
            _keep_logs(directory, tmp_path_factory.mktemp("team-stack-logs"))
            if not os.environ.get("CHAMPION_STACK_KEEP"):
                shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def team_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamStack]:
    """PostgreSQL, moto's S3 and two ``mlflow server``s on them (see the module docstring);
    stopped at the end of the session, also when starting it failed half-way."""
    with _running_stack(tmp_path_factory, "--direct-artifacts") as stack:
        yield stack


@pytest.fixture(scope="session")
def team_stack_auth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamStack]:
    """PostgreSQL, moto's S3 and an ``mlflow server`` running MLflow's basic-auth app
    (``start --auth``); stopped at the end of the session."""
    with _running_stack(tmp_path_factory, "--auth") as stack:
        assert stack.admin is not None
        yield stack


def serve_dashboard(stack: TeamStack, model: str, data: str, *options: str) -> str:
    """``team-stack.sh serve DIR MODEL DATA OPTIONS``: ``champion serve`` on the stack under
    /champion (stopped with the stack); the dashboard's URL, from stack.env."""
    _run(["serve", str(stack.dir), model, data, *options], START_TIMEOUT, "serve")
    return read_stack_env(stack.dir / "stack.env")["CHAMPION_STACK_DASHBOARD_URL"]

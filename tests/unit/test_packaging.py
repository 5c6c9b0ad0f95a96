"""What a team installs: one version everywhere, and ``pip install champion`` without the
dashboard's packages (the "dashboard" extra) still runs the command line and the Python API.

The install without the extra is simulated in this virtualenv: the CLI runs in a subprocess whose
``sitecustomize`` (first on PYTHONPATH) makes importing dash, plotly, gunicorn and the Dash
components fail as if they were not installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import tomllib
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import champion
from champion.cli.main import EXTRA_OF

pytestmark = pytest.mark.cli

ROOT = Path(__file__).resolve().parents[2]
CHAMPION = Path(sys.executable).with_name("champion")  # the installed console script
BLOCKED = ("dash", "plotly", "gunicorn", "dash_bootstrap_components", "dash_ag_grid")
INSTALL_HINT = "pip install 'champion[dashboard]'"

BLOCKER = f"""
import sys

BLOCKED = {set(BLOCKED)!r}


class NotInstalled:
    \"\"\"Imports of BLOCKED fail as they do when the packages are not installed.\"\"\"

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


sys.meta_path.insert(0, NotInstalled())
"""


def pyproject() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)


def test_one_version_for_the_cli_the_package_and_its_metadata() -> None:
    done = subprocess.run(
        [str(CHAMPION), "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == f"champion, version {champion.__version__}"
    assert version("champion") == champion.__version__, (
        "the installed metadata is older than src/champion/__init__.py: "
        "pip install --no-deps -e . (make does it when __init__.py changes)"
    )
    project = pyproject()["project"]
    assert isinstance(project, dict)
    assert "version" not in project
    assert project["dynamic"] == ["version"]


def _requirement_names(requirements: list[str]) -> set[str]:
    return {r.split(";")[0].split("[")[0].split(">")[0].split("<")[0].strip() for r in requirements}


def test_the_dashboard_packages_are_an_extra_that_demo_and_dev_include() -> None:
    project = pyproject()["project"]
    assert isinstance(project, dict)
    extras = project["optional-dependencies"]
    dashboard = _requirement_names(extras["dashboard"])
    for module, extra in EXTRA_OF.items():
        assert extra == "dashboard"
        assert module.replace("_", "-") in dashboard, module
        assert module.replace("_", "-") not in _requirement_names(project["dependencies"])
    for including in ("demo", "dev"):
        assert any(r.startswith("champion[") and "dashboard" in r for r in extras[including])


@pytest.fixture(scope="module")
def without_dashboard(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a subprocess to which the dashboard's packages seem not installed."""
    folder = tmp_path_factory.mktemp("blocker")
    (folder / "sitecustomize.py").write_text(textwrap.dedent(BLOCKER))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "CHAMPION_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder), env.get("PYTHONPATH")]))
    return env


def run(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHAMPION), *map(str, args)], capture_output=True, text=True, env=env, timeout=300
    )


def test_the_blocker_blocks(without_dashboard: dict[str, str]) -> None:
    for module in BLOCKED:
        done = subprocess.run(
            [sys.executable, "-c", f"import {module}"],
            capture_output=True,
            text=True,
            env=without_dashboard,
            timeout=60,
        )
        assert done.returncode == 1
        assert f"ModuleNotFoundError: No module named '{module}'" in done.stderr


def test_the_cli_runs_without_the_dashboard(
    without_dashboard: dict[str, str], tmp_path: Path
) -> None:
    for args in (["--help"], ["compare", "--help"], ["--version"]):
        done = run(without_dashboard, *args)
        assert done.returncode == 0, done.stderr
    assert "serve" in run(without_dashboard, "--help").stdout

    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 300)
    scores = {
        name: np.clip(0.5 + s * (y - 0.5) + rng.normal(0, 0.2, y.size), 0, 1)
        for name, s in (("lr", 0.2), ("gb", 0.5))
    }
    pd.DataFrame({"Survived": y, **scores}).to_csv(tmp_path / "scores.csv", index=False)
    done = run(
        without_dashboard,
        "compare",
        "--predictions",
        tmp_path / "scores.csv",
        "--target",
        "Survived",
        "--score",
        "initial=lr",
        "--score",
        "new=gb",
        "--baseline",
        "initial",
        "--n-boot",
        "50",
        "--format",
        "json",
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["n"] == 300
    assert set(result["models"]) == {"initial", "new"}

    # the registry commands (MLflow) too
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    created = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from mlflow import MlflowClient; "
            "MlflowClient(sys.argv[1], sys.argv[1]).create_registered_model('titanic')",
            store,
        ],
        capture_output=True,
        text=True,
        env=without_dashboard,
        timeout=300,
    )
    assert created.returncode == 0, created.stderr
    done = run(without_dashboard, "models", "--tracking-uri", store, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert "titanic" in done.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["serve", "--model", "titanic", "--data", "scores.csv", "--tracking-uri", "sqlite:///x"],
        ["demo", "--no-serve", "--no-browser", "--workdir", "demo"],
        ["users", "add", "users.json", "ann", "--password-stdin"],
    ],
    ids=lambda args: args[0],
)
def test_dashboard_commands_name_the_extra_to_install(
    without_dashboard: dict[str, str], tmp_path: Path, args: list[str]
) -> None:
    done = subprocess.run(
        [str(CHAMPION), *args],
        capture_output=True,
        text=True,
        env=without_dashboard,
        cwd=tmp_path,
        input="",
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert INSTALL_HINT in done.stderr
    assert f"champion {args[0]} needs" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []  # refused before doing anything

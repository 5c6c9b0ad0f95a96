"""The GitHub Actions example (docs/ci/champion-gate.yml): its gate step's script, run as
GitHub runs it (bash -e), against the demo's local MLflow store, for a passing gate, a refusing
gate and a test set that cannot be read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from champion.demo import DemoSetup

WORKFLOW = Path(__file__).resolve().parents[2] / "docs" / "ci" / "champion-gate.yml"


def gate_step() -> dict[str, Any]:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    steps = workflow["jobs"]["gate"]["steps"]
    found: dict[str, Any] = next(step for step in steps if step.get("id") == "gate")
    return found


def run_gate(
    demo: DemoSetup, folder: Path, rule: str, data: str | None = None
) -> tuple[int, str, str]:
    """The step's exit code, its GITHUB_OUTPUT status and stderr."""
    output = folder / "github-output"
    output.write_text("")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "MLFLOW_TRACKING_URI": demo.tracking_uri,
        "CHAMPION_DATA": data or demo.data_source,
        "CHAMPION_RECIPE": demo.recipe,
        "CHAMPION_CACHE_DIR": str(demo.cache_dir),
        "MODEL": demo.model_name,
        "CANDIDATE": demo.versions["new"],
        "GATE": rule,
        "GITHUB_OUTPUT": str(output),
    }
    done = subprocess.run(
        ["bash", "-e", "-c", gate_step()["run"]],
        cwd=folder, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    return done.returncode, output.read_text().strip(), done.stderr


@pytest.mark.parametrize(
    ("rule", "status"), [("roc_auc:not-worse", "status=0"), ("roc_auc:superior", "status=1")]
)
def test_the_gate_step_writes_both_reports_and_says_the_verdict(
    demo_setup: DemoSetup, tmp_path: Path, rule: str, status: str
) -> None:
    code, output, stderr = run_gate(demo_setup, tmp_path, rule)
    assert code == 0, stderr  # the step passes; the last step fails the job on status=1
    assert output == status
    html = (tmp_path / "report.html").read_text()
    markdown = (tmp_path / "report.md").read_text()
    assert "<html" in html
    assert "report.html" in markdown  # the comment points to the artifact
    assert ("refused" in markdown.lower() or "failed" in markdown.lower()) == (status == "status=1")


def test_a_test_set_that_cannot_be_read_fails_the_step(
    demo_setup: DemoSetup, tmp_path: Path
) -> None:
    code, output, stderr = run_gate(demo_setup, tmp_path, "roc_auc:not-worse", "/no/such.csv")
    assert code != 0
    assert output == "status=2"
    assert "/no/such.csv" in stderr

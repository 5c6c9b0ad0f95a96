"""``evaluate --log`` and ``report --log`` against real MLflow stores (the demo's sqlite stores, a
fresh sqlite store, the session's ``mlflow server``): the figures are logged as plotly HTML with
one curve per model, the decision record as HTML (evaluate) or as written plus its JSON
(report), read back through ``MlflowClient``; a refused gate still exits 1 after logging."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result
from mlflow import MlflowClient

from champion.cli.main import champion as cli
from champion.demo import DemoSetup, prepare_demo

from .store import FEATURES, TARGET, BuiltStore

pytestmark = pytest.mark.cli
UI = "http://mlflow.example:5000"
BINARY = {"metrics", "roc", "pr", "calibration", "gain"}


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def demo_args(demo: DemoSetup) -> list[str]:
    return ["--tracking-uri", demo.tracking_uri, "--cache-dir", str(demo.cache_dir),
            "--data", demo.data_source, "--recipe", demo.recipe, "--n-boot", "100"]  # fmt: skip


def logged_run(output: str) -> str:
    found = re.search(r"logged report run ([0-9a-f]{32})", output)
    assert found, output
    return found.group(1)


class Artifacts:
    """One run's artifacts, read back through the tracking client."""

    def __init__(self, tracking_uri: str, run_id: str, folder: Path) -> None:
        self.client = MlflowClient(tracking_uri=tracking_uri)
        self.run_id, self.folder = run_id, folder

    def names(self, path: str) -> set[str]:
        return {Path(f.path).name for f in self.client.list_artifacts(self.run_id, path)}

    def text(self, path: str) -> str:
        local = self.client.download_artifacts(self.run_id, path, str(self.folder))
        return Path(local).read_text(encoding="utf-8")

    def figure(self, name: str) -> dict[str, Any]:
        """The plotly figure in champion/figures/<name>.html (as plotly's write_html draws it:
        Plotly.newPlot(id, traces, layout, config))."""
        html = self.text(f"champion/figures/{name}.html")
        assert "plotly" in html
        decoder, position = json.JSONDecoder(), html.index("Plotly.newPlot(") + 15
        values = []
        for _ in range(3):
            while html[position] in " \n\t,":
                position += 1
            value, position = decoder.raw_decode(html, position)
            values.append(value)
        return {"data": values[1], "layout": values[2]}


def curves(figure: dict[str, Any]) -> list[str]:
    """The models with a curve in figure (lines in a model's legend group)."""
    return [tr["legendgroup"] for tr in figure["data"]
            if tr.get("mode") == "lines" and tr.get("legendgroup")]  # fmt: skip


@pytest.fixture(scope="module")
def penguins(tmp_path_factory: pytest.TempPathFactory) -> DemoSetup:
    return prepare_demo(tmp_path_factory.mktemp("logged-penguins"), dataset="penguins")


def test_evaluate_log_adds_the_figures_and_the_html_record(
    demo_setup: DemoSetup, tmp_path: Path
) -> None:
    uri = demo_setup.uri("new")
    result = invoke("evaluate", uri, *demo_args(demo_setup), "--log", "--format", "json")
    assert result.exit_code == 0, result.output
    run_id = json.loads(result.stdout)["run_id"]
    logged = Artifacts(demo_setup.tracking_uri, run_id, tmp_path)
    assert logged.names("champion") == {"evaluation.json", "report.html", "figures"}
    assert logged.names("champion/figures") == {f"{name}.html" for name in BINARY}
    for kind in ("roc", "pr", "gain"):
        assert curves(logged.figure(kind)) == [uri], kind
    assert uri in json.dumps(logged.figure("metrics")["data"])
    html = logged.text("champion/report.html")
    assert f"{uri} on {demo_setup.dataset().n:,} rows" in html  # the verdict of one model
    assert "Content-Security-Policy" in html


def test_evaluate_log_of_a_multiclass_model(penguins: DemoSetup, tmp_path: Path) -> None:
    uri = penguins.uri("new")
    result = invoke("evaluate", uri, *demo_args(penguins), "--log")
    assert result.exit_code == 0, result.output
    run_id = re.search(r"logged evaluation run ([0-9a-f]{32})", result.output)
    assert run_id, result.output
    logged = Artifacts(penguins.tracking_uri, run_id.group(1), tmp_path)
    expected = {"metrics", "per-class-f1", "confusion", "roc-macro", "pr-macro"}
    assert logged.names("champion/figures") == {f"{name}.html" for name in expected}
    assert curves(logged.figure("roc-macro")) == [uri]
    heatmap = logged.figure("confusion")["data"][0]
    assert heatmap["type"] == "heatmap"
    assert np.asarray(heatmap["z"]).shape == (3, 3)
    assert f"{uri} on {penguins.dataset().n:,} rows" in logged.text("champion/report.html")


def test_report_log_of_registered_versions(demo_setup: DemoSetup, tmp_path: Path) -> None:
    first, second = demo_setup.uri("initial"), demo_setup.uri("new")
    out = tmp_path / "record.html"
    result = invoke("report", first, second, *demo_args(demo_setup), "--output", str(out),
                    "--mlflow-ui", UI, "--log", "--quiet")  # fmt: skip
    assert result.exit_code == 0, result.output
    run_id = logged_run(result.output)
    assert f"logged report run {run_id} ({UI}/#/runs/{run_id})" in result.output
    logged = Artifacts(demo_setup.tracking_uri, run_id, tmp_path / "artifacts")
    assert logged.names("champion") == {"report.html", "record.json", "figures"}
    assert logged.text("champion/report.html") == out.read_text(encoding="utf-8")
    record = json.loads(logged.text("champion/record.json"))
    assert record["baseline"] == first  # @champion
    assert record["created_at"][:19].replace("T", " ") in out.read_text(encoding="utf-8")
    assert logged.names("champion/figures") == {f"{name}.html" for name in BINARY}
    for kind in ("roc", "pr", "gain"):
        assert curves(logged.figure(kind)) == [first, second], kind
    run = logged.client.get_run(run_id)
    assert run.info.status == "FINISHED"
    name, versions = demo_setup.model_name, demo_setup.versions
    assert run.info.run_name == f"report {name} v{versions['new']} vs v{versions['initial']}"
    assert run.data.tags["champion.gate"] == "none"
    assert run.data.tags["champion.dataset_fingerprint"] == demo_setup.fingerprint
    experiment = logged.client.get_experiment(run.info.experiment_id)
    assert experiment.name == "champion-reports"


def test_report_log_of_a_multiclass_comparison(penguins: DemoSetup, tmp_path: Path) -> None:
    first, second = penguins.uri("initial"), penguins.uri("new")
    out = tmp_path / "record.md"
    result = invoke("report", first, second, *demo_args(penguins), "--output", str(out),
                    "--log", "--quiet")  # fmt: skip
    assert result.exit_code == 0, result.output
    logged = Artifacts(penguins.tracking_uri, logged_run(result.output), tmp_path / "a")
    assert logged.text("champion/report.md") == out.read_text(encoding="utf-8")
    v1, v2 = (f"{penguins.model_name}-{penguins.versions[k]}" for k in ("initial", "new"))
    expected = {"metrics", "per-class-f1", f"confusion-{v1}", f"confusion-{v2}",
                f"confusion-change-{v2}", "roc-macro", "pr-macro"}  # fmt: skip
    assert logged.names("champion/figures") == {f"{name}.html" for name in expected}
    assert curves(logged.figure("pr-macro")) == [first, second]
    assert json.loads(logged.text("champion/record.json"))["classes"] == [
        "Adelie",
        "Chinstrap",
        "Gentoo",
    ]


def test_a_refused_gate_exits_1_after_logging_into_a_fresh_sqlite_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # nothing may land in the current directory (./mlruns)
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 300)
    base = rng.normal(0, 1, 300) + y
    frame = pd.DataFrame({"label": y, "base": base, "equal": base + rng.normal(0, 0.01, 300)})
    frame.to_csv(tmp_path / "predictions.csv", index=False)
    store = f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}"
    (tmp_path / "store").mkdir()
    out = tmp_path / "record.json"
    command = ["report", "--predictions", str(tmp_path / "predictions.csv"), "--target",
               "label", "--score", "base=base", "--score", "equal=equal", "--n-boot", "0",
               "--gate", "roc_auc:superior", "--output", str(out), "--tracking-uri", store,
               "--log"]  # fmt: skip
    result = invoke(*command)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"wrote {out} (json, gate refused)"
    assert lines[1].startswith("logged report run ")  # no UI address for a sqlite store
    logged = Artifacts(store, logged_run(result.output), tmp_path / "a")
    written = out.read_text(encoding="utf-8")
    assert logged.text("champion/report.json") == written
    assert logged.text("champion/record.json") == written  # report --format json's content
    assert curves(logged.figure("roc")) == ["base", "equal"]
    run = logged.client.get_run(logged.run_id)
    assert run.data.tags["champion.gate"] == "refused"
    assert run.data.params["gate"] == "roc_auc:superior"
    assert run.info.run_name == "report equal vs base"
    assert not (tmp_path / "mlruns").exists()
    assert (tmp_path / "store" / "mlartifacts" / "champion-reports").is_dir()

    # without plotly (champion installed without its dashboard extra) the files still go
    monkeypatch.setattr("champion.reports.logged.figures_available", lambda: False)
    again = invoke(*command)
    assert again.exit_code == 1, again.output
    assert "the figures are not logged: they need plotly" in again.stderr
    bare = Artifacts(store, logged_run(again.output), tmp_path / "b")
    assert bare.names("champion") == {"report.json", "record.json"}


def test_report_log_through_a_tracking_server(server_store: BuiltStore, tmp_path: Path) -> None:
    data = tmp_path / "test.csv"
    server_store.test[[*FEATURES, TARGET]].to_csv(data, index=False)
    out = tmp_path / "record.json"
    result = invoke("report", "models:/titanic/1", "models:/titanic/2", "--tracking-uri",
                    server_store.tracking_uri, "--data", str(data), "--target", TARGET,
                    "--cache-dir", str(tmp_path / "cache"), "--n-boot", "0", "--output",
                    str(out), "--log", "--quiet")  # fmt: skip
    assert result.exit_code == 0, result.output
    run_id = logged_run(result.output)
    assert f"({server_store.tracking_uri}/#/runs/{run_id})" in result.output
    logged = Artifacts(server_store.tracking_uri, run_id, tmp_path / "a")
    assert logged.text("champion/record.json") == out.read_text(encoding="utf-8")
    assert logged.names("champion/figures") == {f"{name}.html" for name in BINARY}
    assert curves(logged.figure("roc")) == ["models:/titanic/1", "models:/titanic/2"]

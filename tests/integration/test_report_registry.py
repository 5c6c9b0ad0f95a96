"""``champion report`` on registered versions of the demo store (sqlite, three versions, scores
cached): each version's registry facts, who holds @champion, the runs' MLflow UI addresses
(text in the HTML, never a link that loads anything) and the slices of a feature."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from mlflow import MlflowClient

from champion.cli.main import champion as cli
from champion.demo import DemoSetup, prepare_demo

pytestmark = pytest.mark.cli
UI = "http://mlflow.example:5000"


def run(demo: DemoSetup, out: Path, *args: str) -> Result:
    uris = [demo.uri(kind) for kind in ("initial", "new")]
    command = [
        "report", *uris, "--tracking-uri", demo.tracking_uri, "--cache-dir", str(demo.cache_dir),
        "--data", demo.data_source, "--recipe", demo.recipe, "--n-boot", "200",
        "--output", str(out), *args,
    ]  # fmt: skip
    return CliRunner().invoke(cli, command)


def test_a_json_record_of_registered_versions(demo_setup: DemoSetup, tmp_path: Path) -> None:
    out = tmp_path / "record.json"
    result = run(demo_setup, out, "--gate", "roc_auc:not-worse", "--slice", "sex",
                 "--slice", "age", "--mlflow-ui", UI)  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    record = json.loads(out.read_text())
    client = MlflowClient(tracking_uri=demo_setup.tracking_uri)
    champion = client.get_model_version_by_alias(demo_setup.model_name, "champion").version
    assert record["champion"] == {"model": demo_setup.model_name, "version": str(champion)}
    first, second = (demo_setup.uri(kind) for kind in ("initial", "new"))
    assert record["baseline"] == first  # the @champion version is the baseline
    for uri, kind in ((first, "initial"), (second, "new")):
        version = client.get_model_version(demo_setup.model_name, demo_setup.versions[kind])
        identity = record["models"][uri]["identity"]
        assert identity["uri"] == uri
        assert identity["name"] == demo_setup.model_name
        assert identity["version"] == str(version.version)
        assert identity["run_id"] == version.run_id
        assert identity["run_url"] == f"{UI}/#/runs/{version.run_id}"
        assert identity["from_cache"] is True
    assert "champion" in record["models"][first]["identity"]["aliases"]
    assert record["dataset"]["fingerprint"] == demo_setup.fingerprint
    assert record["dataset"]["recipe"] == demo_setup.recipe
    assert record["scored"][second]["version"] == demo_setup.versions["new"]
    assert record["slices"]["column"] in ("sex", "age")
    assert record["slices"]["columns"] == ["sex", "age"]
    assert (record["gate"]["passed"] is True) == (result.exit_code == 0)


def test_the_html_names_each_version_and_run_as_text(demo_setup: DemoSetup, tmp_path: Path) -> None:
    out = tmp_path / "record.html"
    result = run(demo_setup, out, "--mlflow-ui", UI, "--lang", "ja")
    assert result.exit_code == 0, result.output
    text = out.read_text()
    client = MlflowClient(tracking_uri=demo_setup.tracking_uri)
    run_id = client.get_model_version(demo_setup.model_name, demo_setup.versions["new"]).run_id
    assert f"{UI}/#/runs/{run_id}" in text
    assert f'href="{UI}' not in text
    assert f"{demo_setup.model_name} の @champion はバージョン" in text


@pytest.fixture(scope="module")
def penguins(tmp_path_factory: pytest.TempPathFactory) -> DemoSetup:
    return prepare_demo(tmp_path_factory.mktemp("report-penguins"), dataset="penguins")


def test_a_multiclass_record_of_registered_versions(penguins: DemoSetup, tmp_path: Path) -> None:
    out = tmp_path / "record.json"
    result = run(penguins, out, "--gate", "roc_auc_ovr_macro:not-worse", "--slice", "island")
    assert result.exit_code in (0, 1), result.output
    record = json.loads(out.read_text())
    first, second = (penguins.uri(kind) for kind in ("initial", "new"))
    assert record["baseline"] == first  # the @champion version
    assert record["classes"] == ["Adelie", "Chinstrap", "Gentoo"]
    assert record["champion"]["version"] == penguins.versions["initial"]
    assert record["models"][second]["identity"]["version"] == penguins.versions["new"]
    assert record["slices"]["metric"] == "roc_auc_ovr_macro"
    agreement = record["disagreements"][second]
    mcnemar = record["comparisons"][second]["mcnemar"]
    assert agreement["baseline_only_correct"] == mcnemar["b"]
    assert agreement["challenger_only_correct"] == mcnemar["c"]
    html = tmp_path / "record.html"
    assert run(penguins, html).exit_code == 0
    text = html.read_text()
    assert 'id="classes"' in text
    # bars, F1 by class, two confusion matrices and their change, macro ROC and PR
    assert text.count('<script type="application/json" data-figure=') == 7

"""End to end through the CLI: registered models scored once on a test set, then served from the
score cache; labels-only and mismatched models; evaluations logged back to MLflow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from mlflow import MlflowClient

import champion.workspace.scores
from champion.cli.main import champion as cli
from support.terminal import in_a_column

from .servers import free_port
from .store import FEATURES, TARGET, BuiltStore

pytestmark = pytest.mark.cli


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def test_csv(registry_store: BuiltStore, tmp_path: Path) -> Path:
    path = tmp_path / "test.csv"
    registry_store.test[[*FEATURES, TARGET]].to_csv(path, index=False)
    return path


def compare_json(store: BuiltStore, data: Path, cache: Path, *uris: str, extra: tuple = ()) -> Any:
    result = run(
        "compare",
        *uris,
        "--tracking-uri",
        store.tracking_uri,
        "--data",
        str(data),
        "--target",
        TARGET,
        "--cache-dir",
        str(cache),
        "--n-boot",
        "100",
        "--format",
        "json",
        *extra,
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_compare_scores_once_then_reads_the_cache(
    registry_store: BuiltStore, test_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uris = ("models:/titanic/2", "models:/titanic/1")
    first = compare_json(registry_store, test_csv, tmp_path / "cache", *uris)
    # the @champion version (1) is the default baseline, wherever it stands in the list
    assert first["baseline"] == "models:/titanic/1"
    assert set(first["models"]) == set(uris)
    assert set(first["comparisons"]) == {"models:/titanic/2"}
    assert first["dataset"]["rows"] == len(registry_store.test)
    assert {s["from_cache"] for s in first["scored"].values()} == {False}
    roc = first["models"]["models:/titanic/1"]["metrics"]["roc_auc"]
    assert roc["method"] == "delong"
    assert 0.5 < roc["value"] < 1.0
    assert roc["ci_low"] < roc["value"] < roc["ci_high"]
    assert first["comparisons"]["models:/titanic/2"]["roc_auc"]["method"] == "delong"

    def no_loading(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a warm compare must not load or score any model")

    monkeypatch.setattr(champion.workspace.scores, "score_model", no_loading)
    second = compare_json(registry_store, test_csv, tmp_path / "cache", *uris)
    assert {s["from_cache"] for s in second["scored"].values()} == {True}
    assert second["models"] == first["models"]
    assert second["comparisons"] == first["comparisons"]
    # an alias naming the same version shares the cached scores
    third = compare_json(registry_store, test_csv, tmp_path / "cache", "models:/titanic@champion")
    assert third["scored"]["models:/titanic@champion"]["from_cache"] is True


def test_baseline_by_alias_and_cache_commands(
    registry_store: BuiltStore, test_csv: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    uris = ("models:/titanic/1", "models:/titanic/2")
    data = compare_json(registry_store, test_csv, cache, *uris, extra=("--baseline", "@challenger"))
    assert data["baseline"] == "models:/titanic/2"
    listed = run("cache", "list", "--cache-dir", str(cache), "--format", "json")
    assert listed.exit_code == 0
    kinds = sorted(entry["type"] for entry in json.loads(listed.stdout))
    assert kinds == ["pair", "scores", "scores"]  # the pair's statistics, each model's scores
    cleared = run("cache", "clear", "--cache-dir", str(cache))
    assert cleared.exit_code == 0
    assert "removed" in cleared.output
    assert (
        json.loads(run("cache", "list", "--cache-dir", str(cache), "--format", "json").stdout) == []
    )


def test_labels_only_model_needs_pickle_consent_and_gets_label_metrics(
    registry_store: BuiltStore, test_csv: Path, tmp_path: Path
) -> None:
    args = ("models:/titanic/1", "models:/titanic/5")
    refused = run(
        "compare",
        *args,
        "--tracking-uri",
        registry_store.tracking_uri,
        "--data",
        str(test_csv),
        "--target",
        TARGET,
        "--cache-dir",
        str(tmp_path / "c"),
    )
    assert refused.exit_code == 2
    assert "--allow-pickle" in refused.output
    assert "Traceback" not in refused.output
    data = compare_json(registry_store, test_csv, tmp_path / "c", *args, extra=("--allow-pickle",))
    labels = data["models"]["models:/titanic/5"]
    assert labels["labels_only"] is True
    assert labels["metrics"]["accuracy"]["value"] is not None
    assert labels["metrics"]["roc_auc"]["value"] is None
    assert "labels only" in labels["metrics"]["roc_auc"]["note"]
    assert data["comparisons"]["models:/titanic/5"]["roc_auc"]["verdict"] == "undefined"


def test_mismatched_signature_is_reported_per_model(
    registry_store: BuiltStore, test_csv: Path, tmp_path: Path
) -> None:
    result = run(
        "compare",
        "models:/titanic/1",
        "models:/titanic/6",
        "--tracking-uri",
        registry_store.tracking_uri,
        "--data",
        str(test_csv),
        "--target",
        TARGET,
        "--cache-dir",
        str(tmp_path / "c"),
    )
    assert result.exit_code == 2
    assert "models:/titanic/6" in result.output
    assert "ticket_class" in result.output  # a column the model needs and the data lacks
    assert "Traceback" not in result.output


def test_evaluate_log_leaves_a_run_whose_curves_can_be_read_back(
    registry_store: BuiltStore, test_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # nothing may land in the current directory (./mlruns)
    result = run(
        "evaluate",
        "models:/titanic@champion",
        "--tracking-uri",
        registry_store.tracking_uri,
        "--data",
        str(test_csv),
        "--target",
        TARGET,
        "--cache-dir",
        str(tmp_path / "c"),
        "--n-boot",
        "100",
        "--log",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    output = json.loads(result.stdout)
    run_id = output["run_id"]
    client = MlflowClient(tracking_uri=registry_store.tracking_uri)
    logged = client.get_run(run_id)
    metrics = logged.data.metrics
    roc = output["models"]["models:/titanic@champion"]["metrics"]["roc_auc"]
    assert metrics["roc_auc"] == pytest.approx(roc["value"])
    assert metrics["roc_auc_ci_low"] == pytest.approx(roc["ci_low"])
    assert metrics["roc_auc_ci_high"] == pytest.approx(roc["ci_high"])
    assert logged.data.tags["champion.model_name"] == "titanic"
    assert logged.data.tags["champion.model_version"] == "1"
    assert logged.inputs.dataset_inputs, "the test set is recorded as the run's input"
    with open(client.download_artifacts(run_id, "champion/evaluation.json")) as handle:
        curves = json.load(handle)  # the full result, curves included
    roc_curve = curves["models"]["models:/titanic@champion"]["curves"]["roc"]
    assert roc_curve["x"][0] == 0.0
    assert roc_curve["y"][-1] == 1.0
    assert curves["dataset"]["fingerprint"] == output["dataset"]["fingerprint"]
    assert not (tmp_path / "mlruns").exists()


def test_models_command_lists_versions_and_aliases(registry_store: BuiltStore) -> None:
    table = run("models", "--tracking-uri", registry_store.tracking_uri)
    assert table.exit_code == 0
    assert in_a_column("titanic", table.stdout)  # however narrow a terminal folded the cells
    assert in_a_column("@champion", table.stdout)
    data = json.loads(
        run(
            "models", "titanic", "--tracking-uri", registry_store.tracking_uri, "--format", "json"
        ).output
    )
    versions = {v["version"]: v for v in data[0]["versions"]}
    assert set(versions) == {"1", "2", "3", "4", "5", "6"}
    assert versions["1"]["aliases"] == ["champion"]
    assert versions["2"]["aliases"] == ["challenger"]
    assert all(v["has_signature"] for v in versions.values())


def test_unreachable_tracking_server_is_a_clear_error() -> None:
    result = run("models", "--tracking-uri", f"http://127.0.0.1:{free_port()}")
    assert result.exit_code == 2
    assert "cannot reach" in result.output
    assert "Traceback" not in result.output


def test_compare_on_a_kaggle_titanic_file_with_the_seed_recipe(
    registry_store: BuiltStore, tmp_path: Path
) -> None:
    from support.titanic import write_titanic_csv

    data = write_titanic_csv(tmp_path / "titanic.csv", n=891, seed=3)
    result = run(
        "compare",
        "models:/titanic/1",
        "models:/titanic/2",
        "--tracking-uri",
        registry_store.tracking_uri,
        "--data",
        str(data),
        "--recipe",
        "titanic",
        "--cache-dir",
        str(tmp_path / "c"),
        "--n-boot",
        "100",
    )
    assert result.exit_code == 0, result.output
    assert "recipe titanic" in result.stdout
    assert "ROC AUC" in result.stdout
    assert "models:/titanic/2 − models:/titanic/1" in result.stdout


def test_logged_model_and_run_uris_score_like_their_version(
    registry_store: BuiltStore, test_csv: Path, tmp_path: Path
) -> None:
    model_id = registry_store.model_ids["1"]
    run_id = registry_store.run_ids["1"]
    uris = ("models:/titanic/1", f"models:/{model_id}", f"runs:/{run_id}/model")
    data = compare_json(registry_store, test_csv, tmp_path / "c", *uris, extra=("--no-cache",))
    assert {s["from_cache"] for s in data["scored"].values()} == {False}
    reference = data["models"]["models:/titanic/1"]["metrics"]
    for uri in uris[1:]:
        assert data["models"][uri]["metrics"] == reference, uri
        assert data["comparisons"][uri]["roc_auc"]["delta"] == 0.0
    assert not (tmp_path / "c").exists()  # --no-cache neither reads nor writes the cache

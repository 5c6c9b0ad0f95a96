"""champion serve --engine spark: the dashboard's callbacks over a Spark-scored test set (a real
sqlite MLflow store with three registered logistic regressions, 3,000 rows of Parquet, the
local Spark session), checked against SparkWorkspace.compare, `champion compare --engine spark`
and the in-memory engine on the same rows."""

from __future__ import annotations

import dataclasses
import functools
import json
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import dash
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from champion.cli.main import champion as cli
from champion.dashboard import spark_backend
from champion.dashboard.app import create_app
from champion.dashboard.config import DashboardConfig
from champion.dashboard.context import backend, operations
from champion.dashboard.pages import (
    curves,
    disagreements,
    overview,
    registry,
    slices,
    threshold,
    threshold_points,
)
from champion.dashboard.pages.threshold_points import matched_section
from champion.dashboard.report_download import report_file
from champion.dashboard.shell import activity_text
from champion.dashboard.spark_backend import SparkDashboardBackend
from champion.dashboard.spark_setup import open_spark
from champion.data import load_dataset
from champion.engine_options import EngineOptions
from champion.errors import ChampionError, DataError
from champion.models import MlflowRegistry
from champion.presentation import t
from champion.presentation.point_views import criterion_of
from champion.workspace import ScoringPolicy, Statistics, Workspace
from champion.workspace.analyses import MAX_ROWS

from .support import _close

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark

FEATURES = ["age", "fare", "income", "visits"]
MODEL = "churn"
ROWS = 3000
SPARK = EngineOptions("spark", "local[2]")
T = TypeVar("T")


@dataclass(frozen=True)
class Setup:
    tracking_uri: str
    data: Path  # a folder of two Parquet files
    cache: Path


def _rows(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    logit = 0.9 * x[:, 0] - 0.6 * x[:, 1] + 0.4 * x[:, 2] * x[:, 3] + rng.normal(size=n)
    frame = pd.DataFrame(dict(zip(FEATURES, x.T, strict=True)))
    frame["y"] = (logit > 0.3).astype("int64")
    return frame


@functools.cache
def shared_setup(base: Path) -> Setup:
    """Three versions of MODEL (logistic regressions on two, four and three features; @champion
    on version 1, @challenger on version 2) and the test set in two Parquet files, under base:
    built once per test session (the browser test reuses it, and the scores it keeps)."""
    import mlflow
    from mlflow.models import infer_signature
    from sklearn.linear_model import LogisticRegression

    root = base / "spark-dashboard"
    root.mkdir()
    uri = f"sqlite:///{root / 'mlflow.db'}"
    train = _rows(2000, seed=1)
    client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.create_experiment("dash", artifact_location=(root / "art").as_uri())
    mlflow.set_tracking_uri(uri)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for columns in (FEATURES[:2], FEATURES, FEATURES[1:]):
            x = train[columns]
            fitted = LogisticRegression(max_iter=1000).fit(x, train["y"])
            signature = infer_signature(x, fitted.predict_proba(x)[:, 1])
            with mlflow.start_run(experiment_id=experiment):
                info = mlflow.sklearn.log_model(fitted, name="model", signature=signature)
            mlflow.register_model(info.model_uri, MODEL, await_registration_for=0)
    mlflow.set_tracking_uri(None)  # type: ignore[arg-type]
    client.set_registered_model_alias(MODEL, "champion", "1")
    client.set_registered_model_alias(MODEL, "challenger", "2")
    data = root / "test-set"
    data.mkdir()
    test = _rows(ROWS, seed=2)
    test.iloc[: ROWS // 2].to_parquet(data / "part-0.parquet", index=False)
    test.iloc[ROWS // 2 :].to_parquet(data / "part-1.parquet", index=False)
    return Setup(uri, data, root / "cache")


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    return shared_setup(tmp_path_factory.getbasetemp())


def spark_config(setup: Setup, **changes: Any) -> DashboardConfig:
    config = DashboardConfig(
        tracking_uri=setup.tracking_uri,
        model_name=MODEL,
        data_source=str(setup.data),
        target="y",
        cache_dir=setup.cache,
        engine=SPARK,
    )
    return dataclasses.replace(config, **changes)


@pytest.fixture(scope="module")
def app(spark: SparkSession, setup: Setup) -> dash.Dash:
    return create_app(spark_config(setup))


@pytest.fixture
def ctx(app: dash.Dash) -> Iterator[None]:
    with app.server.test_request_context():
        yield


@pytest.fixture(scope="module")
def memory(setup: Setup) -> Workspace:
    """The in-memory engine over the same registry (its own score cache)."""
    cache_dir = setup.cache.parent / "memory-cache"
    from champion.cache import ScoreCache

    return Workspace(MlflowRegistry(setup.tracking_uri), ScoreCache(cache_dir), ScoringPolicy())


def settled(call: Callable[[], T], done: Callable[[T], bool], what: str, timeout: float = 240) -> T:
    """call() again (it queues what it needs in the background) until done(its result)."""
    deadline = time.monotonic() + timeout
    while True:
        found = call()
        if done(found):
            return found
        if time.monotonic() > deadline:
            shown = [activity_text(a) for a in backend().activity(["1", "2", "3"])]
            pytest.fail(f"{what} not ready within {timeout:g} s; activity: {shown}")
        time.sleep(0.3)


def evaluated(versions: list[str], threshold: float = 0.5, lang: str = "en") -> Any:
    def call() -> Any:
        return backend().evaluate(versions, threshold, lang)

    return settled(call, lambda e: e.comparison is not None and not e.pending, "the comparison")


def in_labels(found: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """A comparison's JSON with the models named by names (URI -> "version N")."""
    text = json.dumps(found)
    for uri, label in names.items():
        text = text.replace(f'"{uri}"', f'"{label}"')
    loaded: dict[str, Any] = json.loads(text)
    return loaded


URIS = {f"models:/{MODEL}/{v}": f"version {v}" for v in ("1", "2", "3")}


def test_overview_is_spark_compare_and_the_cli(
    ctx: None, setup: Setup, spark: SparkSession
) -> None:
    notices, *_ = overview.update(["1", "2", "3"], 0.5, "en", None)
    assert "scoring on the test set in the background" in str(notices)
    queued = backend().activity(["1", "2", "3"])
    assert any(a.kind in ("spark-start", "spark-scoring") and a.running for a in queued)
    assert any(
        "Spark" in activity_text(a) for a in queued
    )  # "starting Spark ...", "scoring on Spark"

    shown = evaluated(["1", "2", "3"]).comparison
    notices, verdict, table, figure = overview.update(["1", "2", "3"], 0.5, "en", None)
    assert notices == []
    text = " ".join(str(part) for part in verdict)
    assert "version 2 vs champion (version 1): ROC AUC" in text
    assert f"on {ROWS:,} rows" in text
    assert "ROC AUC" in str(table)
    assert {trace.name for trace in figure.data} >= {"version 1", "version 2", "version 3"}

    served = backend()
    assert isinstance(served, SparkDashboardBackend)
    workspace, data = served._state()
    direct, _ = workspace.compare(list(URIS), data, Statistics(), f"models:/{MODEL}/1")
    dashboard = shown.to_dict()
    _close(dashboard, in_labels(direct.to_dict(), URIS), "SparkWorkspace.compare")

    args = [
        "compare", *URIS, "--data", setup.data, "--target", "y", "--engine", "spark",
        "--spark-master", "local[2]", "--tracking-uri", setup.tracking_uri, "--cache-dir",
        setup.cache, "--format", "json",
    ]  # fmt: skip
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert all(s["from_cache"] for s in printed["scored"].values())  # the dashboard's scores
    for part in ("models", "comparisons"):
        _close(dashboard[part], in_labels(printed, URIS)[part], part)


@pytest.mark.parametrize("cut", [0.3, 0.62])
def test_threshold_equals_the_in_memory_engine(
    ctx: None, setup: Setup, memory: Workspace, cut: float
) -> None:
    evaluated(["1", "2"])
    notices, label, cards, figure = threshold.update(["1", "2"], cut, "en", None)
    assert notices == []
    assert label == f"Threshold: {cut:.2f}"
    assert len(cards) == 2
    assert figure["layout"]["shapes"][-1]["x0"] == cut
    dataset = load_dataset(str(setup.data), target="y")
    assert dataset.n == ROWS
    on_spark = backend().reports(["1", "2"]).ready
    for version, report in on_spark.items():
        scored = memory.score(f"models:/{MODEL}/{version}", dataset)
        in_memory = memory.report(scored, dataset, f"version {version}").at(cut)
        point = report.at(cut)
        assert point.confusion.to_dict() == in_memory.confusion.to_dict()
        _close(point.metrics, in_memory.metrics, f"version {version} at {cut}")
        assert f"{point.confusion.tp:,.0f}" in str(cards)


def test_curves_and_the_operating_point_finder(ctx: None) -> None:
    evaluated(["1", "2"])
    notice, *figures = curves.update(["1", "2"], 0.5, "en", None)
    assert notice == []
    roc = figures[0]
    assert sum("AUC" in (trace.get("name") or "") for trace in roc["data"]) == 2
    table, *_ = threshold.update_finder(["1", "2"], "youden", 1, 5, 0.8, "en", None)
    reports = backend().reports(["1", "2"]).ready
    for report in reports.values():
        assert f"{report.youden().threshold:.4f}" in str(table)
    moved = threshold.point_threshold("2", ["1", "2"], "youden", 1, 5, 0.8)
    assert moved == round(reports["2"].youden().threshold, 4)


def test_disagreements_count_equals_the_in_memory_engine(
    ctx: None, setup: Setup, memory: Workspace
) -> None:
    evaluated(["1", "2"])

    def call() -> tuple[Any, ...]:
        return disagreements.update(["1", "2"], "2", 0.5, "en", None)

    notice, table, count, records, columns = settled(call, lambda r: r[1] is not None, "rows")
    assert notice == []
    dataset = load_dataset(str(setup.data), target="y")
    scored = [memory.score(f"models:/{MODEL}/{v}", dataset) for v in ("1", "2")]
    in_memory = memory.disagreements(
        ("version 1", scored[0]), ("version 2", scored[1]), dataset, 0.5, every=True
    )
    assert 0 < in_memory.total < MAX_ROWS
    assert f"{in_memory.total:,} rows where version 1 and version 2" in count
    assert "The CSV download holds every one of them" in count
    assert len(records) == in_memory.total
    fields = [c["field"] for c in columns]
    assert fields == ["row", *FEATURES, "y", "score version 1", "score version 2"]
    gaps = [abs(r["score version 2"] - r["score version 1"]) for r in records]
    assert gaps == sorted(gaps, reverse=True)
    expected = in_memory.rows["score version 2"] - in_memory.rows["score version 1"]
    np.testing.assert_allclose(gaps, np.abs(expected.to_numpy()), rtol=1e-9, atol=1e-12)
    cells = [c.children for row in table.children[2].children for c in row.children[1:]]
    assert sum(int(c.replace(",", "")) for c in cells) == ROWS
    csv = disagreements.every_row(["1", "2"], "2", 0.5, "en")
    assert csv is not None
    assert len(csv[0].strip().splitlines()) == in_memory.total + 1


def test_the_download_of_every_row_is_gathered_then_refused_above_its_limit(
    ctx: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    evaluated(["1", "3"])
    monkeypatch.setattr(spark_backend, "MAX_ROWS", 10)  # the grid: 10 of the rows

    def call() -> tuple[Any, ...]:
        return disagreements.update(["1", "3"], "3", 0.5, "en", None)

    _, _, count, records, _ = settled(call, lambda r: r[1] is not None, "the first 10 rows")
    total = int(count.split(" rows")[0].replace(",", ""))
    assert len(records) == 10 < total
    every = backend().disagreements("1", "3", 0.5, "en", every=True)
    assert every.total == len(every.rows) == total
    monkeypatch.setattr(spark_backend, "SPARK_CSV_ROWS", total - 1)
    monkeypatch.setattr(disagreements, "SPARK_CSV_ROWS", total - 1)
    with pytest.raises(ChampionError, match="CSV download is refused above"):
        backend().disagreements("1", "3", 0.5, "en", every=True)
    assert disagreements.download(1, ["1", "3"], "3", 0.5, "en") is dash.no_update
    _, _, count, _, _ = disagreements.update(["1", "3"], "3", 0.5, "en", None)
    assert "The CSV download is refused above" in count


def test_registry_trend_gate_and_promotion(ctx: None, setup: Setup) -> None:
    from mlflow import MlflowClient

    def call() -> tuple[Any, ...]:
        return registry.update("roc_auc", "en", 0.5, None)

    _, _, figure = settled(call, lambda r: r[0] == [] and r[2].data, "the trend")
    assert list(figure.data[0].x) == ["version 1", "version 2", "version 3"]
    ops = operations()
    first = backend().gate("1", "2")  # the pair at the default threshold: kept by the Overview
    assert first is not None
    preview = ops.preview_promotion("2")
    gate = preview.gate
    assert gate is not None
    assert (gate.champion_version, gate.challenger_version, gate.rows) == ("1", "2", ROWS)
    served = backend()
    assert isinstance(served, SparkDashboardBackend)
    workspace, data = served._state()
    scores = [workspace.cached(f"models:/{MODEL}/{v}", data) for v in ("1", "2")]
    direct = workspace.gate(scores[0], scores[1], data, Statistics())  # type: ignore[arg-type]
    assert gate.verdict.to_dict() == direct.verdict.to_dict()
    result = ops.apply(preview, "better on the Spark test set", "tester", force=True)
    client = MlflowClient(tracking_uri=setup.tracking_uri)
    assert str(client.get_registered_model(MODEL).aliases["champion"]) == "2", result.message
    back = ops.preview_rollback()
    ops.apply(back, "restore the fixture", "tester", force=False)
    assert str(client.get_registered_model(MODEL).aliases["champion"]) == "1"


def test_the_decision_record_of_a_spark_selection(ctx: None) -> None:
    evaluated(["1", "2"])
    made = report_file(backend(), ["1", "2"], 0.5, "en")
    assert made is not None
    name, html = made
    assert name == f"champion-{MODEL}-report-v1-v2.html"
    assert "version 2" in html
    assert "3,000" in html


def test_slices_say_what_to_use_instead(ctx: None) -> None:
    assert "champion report with --slice" in str(slices.layout())
    assert t("ui.spark_no_slices", "ja") != t("ui.spark_no_slices", "en")
    assert "--engine spark" in t("ui.spark_no_slices", "ja")


def test_matched_points_on_spark_equal_memory(ctx: None, setup: Setup, memory: Workspace) -> None:
    evaluated(["1", "2"])
    assert "d-none" in str(matched_section())  # the holdout switch: in memory only

    def call() -> tuple[Any, ...]:
        return threshold_points.update_matched(["1", "2"], "cost", 1, 4, 0.8, False, "en", None)

    table, title, _ = settled(call, lambda r: r[1] != "", "matched points")
    assert title
    assert "version 2" in str(table)
    found = backend().matched_points(["1", "2"], criterion_of("cost", (1, 4), 0.8), None, "en")
    assert found.value is not None
    dataset = load_dataset(str(setup.data), target="y")
    scored = {f"version {v}": memory.score(f"models:/{MODEL}/{v}", dataset) for v in ("1", "2")}
    expected = memory.operating_points(scored, "version 1", dataset, found.value.criterion)
    _close(found.value.to_dict(), expected.to_dict(), "matched points")
    # the holdout split is in memory only: the page says so
    notice, _, _ = threshold_points.update_matched(["1", "2"], "cost", 1, 4, 0.8, True, "ja", None)
    assert t("ui.spark_no_holdout", "ja") in str(notice)


def test_a_multiclass_target_is_refused_clearly(
    spark: SparkSession, setup: Setup, tmp_path: Path
) -> None:
    frame = _rows(60, seed=3)
    frame["y"] = np.arange(60) % 3
    frame.to_parquet(tmp_path / "three.parquet", index=False)
    config = spark_config(setup, data_source=str(tmp_path / "three.parquet"))
    with pytest.raises(DataError, match="compares binary classifiers for now"):
        open_spark(config, MlflowRegistry(setup.tracking_uri), ScoringPolicy())


def test_serve_refuses_what_spark_cannot_serve(setup: Setup) -> None:
    common = ["serve", "--model", MODEL, "--tracking-uri", setup.tracking_uri, "--data"]
    recipe = CliRunner().invoke(
        cli, [*common, str(setup.data), "--target", "y", "--recipe", "titanic", "--engine", "spark"]
    )
    assert recipe.exit_code == 2
    assert "--recipe prepares a table in memory" in recipe.output
    no_target = CliRunner().invoke(cli, [*common, str(setup.data), "--engine", "spark"])
    assert no_target.exit_code == 2
    assert "needs --target COL" in no_target.output
    stray = CliRunner().invoke(cli, [*common, str(setup.data), "--row-id", "id"])
    assert stray.exit_code == 2
    assert "only apply with --engine spark" in stray.output

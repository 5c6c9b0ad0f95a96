"""The dashboard's multiclass pages over the penguins demo (a real sqlite store, three versions
of a 3-class model): what each page shows equals what the composer computes, results are kept
for every worker, the gate and the navigation follow the test set's kind."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import dash
import numpy as np
import pytest
from sklearn.metrics import accuracy_score, top_k_accuracy_score

from champion.dashboard import multiclass as mc
from champion.dashboard.app import create_app
from champion.dashboard.backend import DashboardBackend
from champion.dashboard.config import DashboardConfig
from champion.dashboard.context import backend
from champion.dashboard.operations import Operations
from champion.dashboard.pages import (
    disagreements,
    mc_classes,
    mc_curves,
    mc_decision,
    mc_overview,
    registry,
    slices,
)
from champion.dashboard.report_download import decision_record, download_report
from champion.dashboard.shell import MULTICLASS, pages, translate_shell
from champion.demo import DemoSetup, prepare_demo
from champion.workspace import Statistics
from champion.workspace.multiclass import stored_comparison


@pytest.fixture(scope="module")
def penguins(tmp_path_factory: pytest.TempPathFactory) -> DemoSetup:
    return prepare_demo(tmp_path_factory.mktemp("penguins"), dataset="penguins")


@pytest.fixture(scope="module")
def mc_config(penguins: DemoSetup) -> DashboardConfig:
    return DashboardConfig(
        tracking_uri=penguins.tracking_uri,
        model_name=penguins.model_name,
        data_source=penguins.data_source,
        recipe=penguins.recipe,
        cache_dir=penguins.cache_dir,
        n_boot=100,
    )


@pytest.fixture(scope="module")
def mc_app(mc_config: DashboardConfig) -> dash.Dash:
    return create_app(mc_config)


@pytest.fixture
def mc_ctx(mc_app: dash.Dash) -> Iterator[None]:
    with mc_app.server.test_request_context():
        yield


def probabilities(penguins: DemoSetup, version: str) -> tuple[np.ndarray, list[str]]:
    """A version's probabilities (n, 3) in the sorted class order, from the score cache."""
    scored = penguins.workspace().score(
        f"models:/{penguins.model_name}/{version}", penguins.dataset()
    )
    order = np.argsort(np.asarray(scored.classes, dtype=object))
    return scored.values[:, order], sorted(scored.classes or ())


def test_navigation_has_the_multiclass_pages(mc_ctx: None) -> None:
    keys = [key for key, _ in pages(MULTICLASS)]
    assert "ui.decision" in keys
    assert "ui.classes" in keys
    assert "ui.threshold" not in keys
    _title, _picker, *nav, _labels = translate_shell("ja", MULTICLASS)
    assert "判定" in nav
    assert "クラス別" in nav


def test_overview_matches_the_composer(mc_ctx: None, penguins: DemoSetup) -> None:
    notices, verdict, table, figure = mc_overview.update(["1", "2", "3"], "en", None)
    assert notices == []
    text = " ".join(str(part) for part in verdict)
    assert "version 2 vs champion (version 1): ROC AUC (one-vs-rest, macro)" in text
    assert "version 3 vs champion (version 1)" in text
    (cmp, _notes), _ = penguins.workspace().compare_multiclass(
        [f"models:/{penguins.model_name}/{v}" for v in ("1", "2")],
        penguins.dataset(),
        Statistics(n_boot=100),
    )
    y = penguins.dataset().labels
    proba, classes = probabilities(penguins, "2")
    accuracy = accuracy_score(y, np.asarray(classes, dtype=object)[proba.argmax(axis=1)])
    assert f"{accuracy:.4f}" in str(table)
    assert "F1 (macro)" in str(table)
    assert {trace.name for trace in figure.data} >= {"version 1", "version 2", "version 3"}
    assert cmp.models  # the composer compares the same versions


def test_classes_page_confusion_equals_the_predictions(mc_ctx: None, penguins: DemoSetup) -> None:
    _notices, worst, table, bars, confusion, difference = mc_classes.update(
        ["1", "2"], "2", "en", None
    )
    assert "version 2 vs champion (version 1)" in " ".join(map(str, worst))
    for species in ("Adelie", "Chinstrap", "Gentoo"):
        assert species in str(table)
    y = penguins.dataset().labels
    proba, classes = probabilities(penguins, "2")
    predicted = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
    counts = np.array([[np.sum((y == a) & (predicted == b)) for b in classes] for a in classes])
    expected = 100 * counts / counts.sum(axis=1, keepdims=True)
    z = np.array(confusion.data[0].z, dtype=float)
    assert np.allclose(np.nan_to_num(z), expected, atol=0.01)
    assert "minus" in difference.layout.title.text
    assert len(bars.data) == 2


def test_curves_page_picks_a_class_and_draws_every_class(mc_ctx: None) -> None:
    _, roc, _pr, label, options, _views = mc_curves.update(["1", "2"], "Gentoo", "one", "en", None)
    assert "Gentoo" in roc.layout.title.text
    assert label == "Class (one against the rest)"
    assert [o if isinstance(o, str) else o["value"] for o in options][1:] == [
        "Adelie",
        "Chinstrap",
        "Gentoo",
    ]
    _, grid, _, *_ = mc_curves.update(["1", "2"], mc_curves.MACRO, mc_curves.GRID, "ja", None)
    titles = [a.text for a in grid.layout.annotations]
    assert {"Adelie", "Chinstrap", "Gentoo"} <= set(titles)


def test_decision_page_top_k_equals_scikit_learn(mc_ctx: None, penguins: DemoSetup) -> None:
    _notices, why, table, coverage, top_k = mc_decision.update(["1", "2"], "en", None)
    assert "no single threshold" in why
    y = penguins.dataset().labels
    proba, classes = probabilities(penguins, "1")
    expected = top_k_accuracy_score(y, proba, k=2, labels=classes)
    assert f"{expected:.4f}" in str(table)
    assert len(coverage.data) == 2
    assert [round(v, 4) for v in top_k.data[0].y][1] == round(expected, 4)


def test_disagreements_are_rows_of_different_predicted_classes(
    mc_ctx: None, penguins: DemoSetup
) -> None:
    _notice, table, count, rows, columns = disagreements.update(["1", "2"], "2", 0.5, "en", None)
    p1, _classes = probabilities(penguins, "1")
    p2, _ = probabilities(penguins, "2")
    differ = int(np.sum(p1.argmax(axis=1) != p2.argmax(axis=1)))
    assert f"{differ} rows where version 1 and version 2 predict different classes" in count
    assert len(rows) == differ
    assert "Agreement of the predicted classes" in str(table)
    fields = [c["field"] for c in columns]
    assert "class version 1" in fields
    assert "score version 2" in fields


def test_slices_and_registry_use_multiclass_metrics(mc_ctx: None) -> None:
    notices, _summary, table, figure, *_ = slices.update(
        ["1", "2"], 0.5, "en", "island", "accuracy", 4, None
    )
    assert notices == []
    assert "Classes present" in str(table)
    assert "Accuracy" in figure.layout.title.text
    alert, _versions, trend = registry.update("f1_macro", "en", 0.5, None)
    assert alert == []
    assert len(trend.data[0].x) == 3


def test_results_are_kept_for_every_worker(mc_ctx: None, mc_config: DashboardConfig) -> None:
    found = mc.comparison(backend(), ["1", "2"], "en")
    assert found.value is not None
    other = DashboardBackend(mc_config)  # another worker, the same cache folder

    scored = {other.key(v).label("en"): other.scored(v) for v in ("1", "2")}
    assert all(s is not None and s.from_cache for s in scored.values())
    kept = stored_comparison(
        other.workspace.analyses,
        {k: v for k, v in scored.items() if v is not None},
        "version 1",
        other.dataset,
        other.stats,
    )
    assert kept is not None
    assert kept[0].models.keys() == found.value[0].models.keys()


def test_the_gate_judges_the_multiclass_default_rule(mc_ctx: None) -> None:
    gate = backend().gate("1", "2")
    assert gate is not None
    assert [rule.metric for rule in gate.verdict.rules] == ["roc_auc_ovr_macro"]
    assert gate.verdict.passed


def test_large_results_are_computed_in_the_background(
    mc_config: DashboardConfig, tmp_path: Path
) -> None:
    """With no inline budget every result is queued: the page first says what is computing,
    then reads what the background thread stored."""
    served = DashboardBackend(replace(mc_config, cache_dir=tmp_path, inline_budget=0))
    kinds = set()
    deadline = time.monotonic() + 120
    results: dict[str, Any] = {}
    while len(results) < 3 and time.monotonic() < deadline:
        for name, ask in (
            ("comparison", mc.comparison),
            ("curves", mc.curves),
            ("decision", mc.decision),
        ):
            found = ask(served, ["1", "2"], "en")
            if found.value is not None:
                results[name] = found.value
            elif found.computing:
                kinds |= {a.kind for a in served.activity(["1", "2"])}
                notice = str(mc.computing_notice(found, "en"))
                assert "computing in the background" in notice
        time.sleep(0.2)
    assert set(results) == {"comparison", "curves", "decision"}
    assert set(results["curves"]) == {"version 1", "version 2"}
    assert kinds & {"multiclass", "class-curves", "decision"}


def test_promote_and_roll_back_from_the_dashboard_with_the_multiclass_gate(
    mc_app: dash.Dash, tmp_path: Path
) -> None:
    """The Registry page's actions on a copy of the store: the gate judges the multiclass
    default rule, the alias moves, the history records the gate, and a rollback restores it."""
    with mc_app.server.test_request_context():
        served = backend()
    store = tmp_path / "copy"
    shutil.copytree(served.config.cache_dir.parent, store)  # the demo's work folder
    uri = f"sqlite:///{store / 'mlflow.db'}"
    ops = Operations(uri, served.config.model_name, gate=served.gate, moved=lambda: None)
    preview = ops.preview_promotion("2")
    assert preview.expected == "1"
    assert preview.gate is not None
    assert [r.metric for r in preview.gate.verdict.rules] == ["roc_auc_ovr_macro"]
    ops.apply(preview, "better on every species", "tester", force=False).raise_for_outcome()
    assert ops.current() == "2"
    latest = next(e for e in ops.history() if e.action == "promote")
    assert latest.to_version == "2"
    assert latest.gate is not None
    assert "roc_auc_ovr_macro" in str(latest.gate)
    ops.apply(ops.preview_rollback(), "undo", "tester", force=False).raise_for_outcome()
    assert ops.current() == "1"


def test_the_report_of_a_multiclass_selection(mc_ctx: None) -> None:
    sent, note = download_report(1, ["1", "2", "3"], 0.5, "en")
    assert note == ""
    html = sent["content"]
    assert "roc_auc_ovr_macro:not-worse" in html
    for species in ("Adelie", "Chinstrap", "Gentoo"):
        assert species in html
    record = decision_record(backend(), ["1", "2", "3"], 0.5, "en")
    assert record is not None
    assert record.multiclass
    assert set(record.agreements or {}) == {"version 2", "version 3"}
    assert set(record.curves or {}) == {"version 1", "version 2", "version 3"}

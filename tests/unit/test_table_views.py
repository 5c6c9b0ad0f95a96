"""Tables as display data (presentation) and the one component that draws them (dashboard)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

import champion
from champion.dashboard.components import data_table
from champion.evaluation import Agreement
from champion.models.refs import ModelVersionRef, RegisteredModelInfo
from champion.presentation.table_views import (
    agreement_view,
    finder_view,
    metrics_view,
    versions_view,
)


def model() -> RegisteredModelInfo:
    created = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    versions = tuple(
        ModelVersionRef("m", v, aliases, created, run, None, "src", desc, True)
        for v, aliases, run, desc in (
            ("2", ("champion",), "abc123def4567890", "<b>not html</b>"),
            ("1", (), None, None),
        )
    )
    return RegisteredModelInfo("m", None, {"champion": "2"}, {}, versions)


def test_versions_link_runs_to_the_mlflow_ui_and_keep_text_as_text() -> None:
    view = versions_view(model(), "en", ui="http://mlflow:5000")
    first, second = view.rows
    assert [c.text for c in first[:3]] == ["2", "@champion", "2026-12-01 09:30 UTC"]
    assert first[3].link == "http://mlflow:5000/#/runs/abc123def4567890"
    assert first[3].text == "abc123def456"
    assert first[5].text == "<b>not html</b>"
    assert second[3].text == "—"
    assert versions_view(model(), "en").rows[0][3].link is None  # no UI known: no link
    drawn = str(data_table(view, "t"))
    assert "href='http://mlflow:5000/#/runs/abc123def4567890'" in drawn
    assert "noopener noreferrer" in drawn


def test_agreement_heads_rows_and_marks_disagreements() -> None:
    agreement = Agreement(both_correct=50, baseline_only=7, challenger_only=9, both_wrong=4)
    view = agreement_view(agreement, "version 1", "version 2", 0.5, "en")
    assert view.row_headings
    assert view.header == ("", "version 2 ✓", "version 2 ✗")
    assert [c.text for c in view.rows[0]] == ["version 1 ✓", "50", "7"]
    assert view.rows[0][2].tone == view.rows[1][1].tone == "notable"
    assert "70" in (view.caption or "")
    drawn = str(data_table(view, "t"))
    assert "Th(children='version 1 ✓'" in drawn
    assert "table-warning" in drawn


def test_finder_gives_each_version_its_point_and_an_action() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    report = champion.evaluate(y, np.clip(y * 0.3 + rng.random(300) * 0.7, 0, 1), n_boot=0)
    reports = {"1": report, "2": report}
    view = finder_view(reports, "youden", (None, None), None, "en")
    assert [row[-1].action for row in view.rows] == ["1", "2"]
    assert float(view.rows[0][1].text) == round(report.youden().threshold, 4)
    unmet = finder_view(reports, "precision", (None, None), 1.01, "en")
    assert unmet.rows[0][1].span == 8  # no point meets the constraint: one cell says so
    clicked: list[tuple[str, str, bool]] = []
    data_table(view, "t", action=lambda key, label, off: clicked.append((key, label, off)))
    assert [c[0] for c in clicked] == ["1", "2"]


def test_metrics_tones_follow_the_verdicts() -> None:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 400)
    good, bad = np.clip(y * 0.6 + rng.random(400) * 0.4, 0, 1), rng.random(400)
    cmp = champion.compare(y, {"a": bad, "b": good}, n_boot=50)
    view = metrics_view(cmp, "en")
    assert view.header[:3] == ("Metric", "a (baseline)", "b")
    auc = next(row for row in view.rows if row[0].text == "ROC AUC")
    assert auc[-1].tone == "better"
    assert "text-success" in str(data_table(view, "t"))


def test_with_several_challengers_holm_decides_the_marks() -> None:
    rng = np.random.default_rng(4)
    n = 400
    y = rng.integers(0, 2, n)
    base = np.clip(y * 0.3 + rng.random(n) * 0.7, 0, 1)
    clearly = np.clip(y * 0.6 + rng.random(n) * 0.4, 0, 1)
    scores = {"a": base, "b": clearly}
    scores.update({f"noise {i}": np.clip(base + rng.normal(0, 0.08, n), 0, 1) for i in range(4)})
    cmp = champion.compare(y, scores, n_boot=200)
    view = metrics_view(cmp, "en")
    assert "5 challengers" in (view.caption or "")
    adjusted = cmp.holm_adjusted()
    for row in view.rows:
        metric = next(s.name for s in champion.evaluation.METRICS if s.label == row[0].text)
        for cell, name in zip(row[-5:], [m for m in cmp.models if m != "a"], strict=True):
            p = adjusted[metric][name]
            if p is None:
                continue
            assert "Holm" in cell.text
            if p >= 0.05:
                assert cell.tone is None  # never marked unless significant after Holm
    auc = next(row for row in view.rows if row[0].text == "ROC AUC")
    assert auc[-5].tone == "better"  # b: clearly better, also after the adjustment
    ja = metrics_view(cmp, "ja")
    assert "Holm" in (ja.caption or "")
    two = metrics_view(champion.compare(y, {"a": base, "b": clearly}, n_boot=50), "en")
    assert two.caption is None

"""The Threshold page's matched operating points over the real demo store: each version's
quantity at its own threshold with its interval, the paired difference, the optimism note and the
holdout switch, in English and Japanese."""

from __future__ import annotations

import dataclasses
import shutil
import time
from pathlib import Path
from typing import Any

from champion.dashboard.app import create_app
from champion.dashboard.config import DashboardConfig
from champion.dashboard.context import backend
from champion.dashboard.pages import threshold_points
from champion.evaluation.operating import matched_points


def rows(table: Any) -> list[list[Any]]:
    body = table.children[2] if len(table.children) == 3 else table.children[1]
    return [[cell.children for cell in row.children] for row in body.children]


def caption(table: Any) -> str:
    return str(table.children[0].children)


def test_each_version_at_its_own_threshold_with_intervals_and_the_optimism_note(
    ctx: None,
) -> None:
    table, title, switch = threshold_points.update_matched(
        ["1", "2"], "precision", 1, 5, 0.6, False, "en", None
    )
    assert title == "Each version at its own threshold: Recall with its 95% interval"
    assert switch == "Choose each threshold on half of the rows, report on the other half"
    assert "optimistic" in caption(table)
    found = rows(table)
    assert [row[0] for row in found] == ["version 1", "version 2"]  # @champion (1) first
    dataset = backend().dataset
    scores = {f"version {v}": backend().scored(v).values for v in ("1", "2")}
    expected = matched_points(dataset.labels, scores, "recall_at_precision:0.6")
    for row, (name, point) in zip(found, expected.points.items(), strict=True):
        assert row[0] == name
        q = point.quantity
        assert row[1] == f"{point.threshold:.4f}"
        assert row[2] == f"{q.value:.4f} [{q.ci_low:.4f}, {q.ci_high:.4f}]"
    assert found[0][4] == "baseline"
    delta = expected.differences["version 2"]
    assert found[1][4].startswith(f"{delta.delta:+.4f} [")


def test_the_holdout_switch_chooses_on_half_and_reports_on_the_other_half(ctx: None) -> None:
    table, *_ = threshold_points.update_matched(["1", "2"], "f1", 1, 5, 0.6, True, "en", None)
    n = backend().dataset.n
    note = caption(table)
    assert "reported on the other" in note
    assert "not optimistic" in note
    dataset = backend().dataset
    scores = {f"version {v}": backend().scored(v).values for v in ("1", "2")}
    expected = matched_points(dataset.labels, scores, "max_f1", holdout=0.5, seed=0)
    assert f"{expected.report_rows:,}" in note
    assert expected.choose_rows + expected.report_rows == n
    q = expected.points["version 1"].quantity
    assert rows(table)[0][2] == f"{q.value:.4f} [{q.ci_low:.4f}, {q.ci_high:.4f}]"


def test_japanese_and_a_bad_constraint(ctx: None) -> None:
    table, title, switch = threshold_points.update_matched(
        ["1", "2"], "cost", 1, 5, None, False, "ja", None
    )
    assert title.startswith("各バージョン自身のしきい値での 1行あたりの平均コスト")
    assert "ホールドアウト" in caption(table)
    assert [row[0] for row in rows(table)] == ["バージョン 1", "バージョン 2"]
    assert "半分" in switch
    notice, title, _ = threshold_points.update_matched(
        ["1", "2"], "precision", 1, 5, 1.5, False, "en", None
    )
    assert "between 0 and 1" in str(notice)
    assert title == ""


def test_on_a_large_test_set_the_points_are_computed_in_the_background(
    config: DashboardConfig, tmp_path: Path
) -> None:
    """Above the inline budget the section says the points are computing, then shows them."""
    cache = tmp_path / "cache-points"
    for folder in ("scores", "checksums"):  # the versions' scores, no results yet
        shutil.copytree(Path(str(config.cache_dir)) / folder, cache / folder)
    app = create_app(dataclasses.replace(config, inline_budget=0, cache_dir=cache))
    with app.server.test_request_context():
        first, title, _ = threshold_points.update_matched(
            ["1", "2"], "youden", 1, 5, 0.6, False, "en", None
        )
        assert "computing paired intervals in the background" in str(first)
        assert title == ""
        served = backend()
        deadline = time.monotonic() + 120
        while any(a.running for a in served.activity(["1", "2"])) and time.monotonic() < deadline:
            time.sleep(0.2)
        table, title, _ = threshold_points.update_matched(
            ["1", "2"], "youden", 1, 5, 0.6, False, "en", None
        )
        assert title.startswith("Each version at its own threshold")
        assert [row[0] for row in rows(table)] == ["version 1", "version 2"]

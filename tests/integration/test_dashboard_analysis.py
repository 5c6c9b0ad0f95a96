"""The Slices and Disagreements pages and the operating-point finder, over the real demo store."""

from __future__ import annotations

import dataclasses
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from champion.dashboard.app import create_app
from champion.dashboard.config import DashboardConfig
from champion.dashboard.context import backend
from champion.dashboard.pages import disagreements, slices, threshold
from champion.dashboard.shell import activity_text
from champion.evaluation import evaluate


def test_slices_by_a_category_show_rows_values_and_deltas(ctx: None) -> None:
    notice, summary, table, figure, *labels = slices.update(
        ["1", "2"], 0.5, "en", "sex", "accuracy", 4, None
    )
    assert notice == []
    assert labels == ["Slice by", "Metric", "Quantile bins"]
    head = [cell.children for cell in table.children[0].children.children]
    assert head == [
        "Slice", "rows", "positives", "version 1", "version 2", "Δ version 2",
        "p (Holm) version 2",
    ]  # fmt: skip
    rows = [[cell.children for cell in row.children] for row in table.children[1].children]
    assert sorted(row[0] for row in rows) == ["0", "1"]  # the recipe encodes sex as 0 / 1
    dataset = backend().dataset
    assert sum(int(row[1].replace(",", "")) for row in rows) == dataset.n
    # each value is the version's accuracy on that slice's rows, computed independently here
    scores = backend().scored("2").values
    for row in rows:
        mask = (dataset.frame["sex"].astype("string") == row[0]).to_numpy(dtype=bool)
        expected = evaluate(dataset.labels[mask], scores[mask], n_boot=0).metrics["accuracy"]
        assert row[4].split(" ")[0] == f"{expected.value:.4f}"  # then its interval
    assert [trace.name for trace in figure.data] == ["version 1", "version 2"]
    assert "version 2" in str(summary)


def test_numeric_columns_are_cut_into_quantile_bins_and_the_worst_slice_is_flagged(
    ctx: None,
) -> None:
    _, summary, table, figure, *_ = slices.update(["1", "2"], 0.5, "en", "age", "roc_auc", 3, None)
    rows = table.children[1].children
    labels = [row.children[0].children for row in rows]
    assert (labels[0].startswith("[") and labels[-2].endswith("]")) or labels[-1].endswith("]")
    flagged = [row.children[0].children for row in rows if row.className == "table-danger"]
    # the last two columns: version 2's difference [interval], and its Holm-adjusted p-value
    losses = {
        row.children[0].children: float(row.children[-2].children.split(" ")[0])
        for row in rows
        if row.children[-1].children != "—"
        and float(row.children[-1].children) < 0.05
        and float(row.children[-2].children.split(" ")[0]) < 0
    }
    if losses:
        assert flagged == [min(losses, key=lambda k: losses[k])]
        assert "is significantly worse on" in str(summary)
    else:
        assert flagged == []
        assert "No slice is significantly worse" in str(summary)
    assert len(figure.data) == 2


def test_slices_refuse_an_unknown_column_with_the_ones_there_are(ctx: None) -> None:
    notice, *_ = slices.update(["1", "2"], 0.5, "en", "cabin_deck", "accuracy", 4, None)
    assert "no column 'cabin_deck'" in str(notice)
    assert "sex" in str(notice)


def test_disagreements_table_and_grid_agree_with_the_scores(ctx: None) -> None:
    options, chosen, _ = disagreements.challengers(["1", "2", "3"], None, "en")
    assert [o["value"] for o in options] == ["2", "3"]
    assert chosen == "2"
    notice, table, count, records, columns = disagreements.update(
        ["1", "2", "3"], "2", 0.5, "en", None
    )
    assert notice == []
    dataset = backend().dataset
    one, two = backend().scored("1").values, backend().scored("2").values
    differ = (one >= 0.5) != (two >= 0.5)
    assert len(records) == int(differ.sum())
    assert f"{int(differ.sum())} rows" in count
    fields = [c["field"] for c in columns]
    assert fields[0] == "row"
    assert fields[-2:] == ["score version 1", "score version 2"]
    assert set(dataset.features) <= set(fields)
    for record in records:
        assert (record["score version 1"] >= 0.5) != (record["score version 2"] >= 0.5)
        assert record["score version 2"] == pytest.approx(two[record["row"]])
    gaps = [abs(r["score version 2"] - r["score version 1"]) for r in records]
    assert gaps == sorted(gaps, reverse=True)
    cells = [c.children for row in table.children[2].children for c in row.children[1:]]
    assert sum(int(c.replace(",", "")) for c in cells) == dataset.n


def test_disagreements_need_a_challenger(ctx: None) -> None:
    notice, table, *_ = disagreements.update(["1"], None, 0.5, "en", None)
    assert table is None
    assert "at least one challenger" in str(notice)


def finder_rows(table: Any) -> list[list[Any]]:
    return [[cell.children for cell in row.children] for row in table.children[1].children]


def test_operating_point_finder_matches_each_version_at_its_own_point(ctx: None) -> None:
    table, title, options, *_ = threshold.update_finder(
        ["1", "2"], "precision", 1, 5, 0.8, "en", None
    )
    assert title == "Operating point finder"
    assert [o["value"] for o in options] == ["cost", "precision", "recall", "youden", "f1"]
    rows = finder_rows(table)
    assert [row[0] for row in rows] == ["version 1", "version 2"]
    for version, row in zip(["1", "2"], rows, strict=True):
        report = evaluate(backend().dataset.labels, backend().scored(version).values, n_boot=0)
        point = report.max_recall_at_precision(0.8)
        assert row[1] == f"{point.threshold:.4f}"
        assert float(row[3]) >= 0.8  # precision meets the constraint
        assert row[4] == f"{point.metrics['recall']:.3f}"
    # an unreachable constraint is said so, not shown as a number
    table, *_ = threshold.update_finder(["1"], "precision", 1, 5, 1.01, "en", None)
    assert finder_rows(table)[0][1] == "not reachable"


def test_cost_criterion_gives_the_threshold_the_apply_button_sets(ctx: None) -> None:
    table, *_ = threshold.update_finder(["1", "2"], "cost", 1, 5, None, "en", None)
    shown = float(finder_rows(table)[1][1])
    cost = backend().reports(["2"]).ready["2"].min_cost(1, 5)
    assert shown == pytest.approx(cost.threshold, abs=5e-5)
    assert threshold.point_threshold("2", ["1", "2"], "cost", 1, 5, None) == round(
        cost.threshold, 4
    )
    # a version that is not selected (a forged click) moves nothing
    assert threshold.point_threshold("3", ["1", "2"], "cost", 1, 5, None) is None


def test_on_a_large_test_set_slices_are_computed_in_the_background(
    config: DashboardConfig, tmp_path: Path
) -> None:
    """Above the inline budget the Slices page queues the table (shared by every worker
    through the results folder), says so, and shows it once the job is done."""
    cache, inline = tmp_path / "cache-slices", tmp_path / "cache-inline"
    for folder in ("scores", "checksums"):  # the versions' scores, no results yet
        shutil.copytree(Path(str(config.cache_dir)) / folder, cache / folder)
        shutil.copytree(Path(str(config.cache_dir)) / folder, inline / folder)
    app = create_app(dataclasses.replace(config, inline_budget=0, cache_dir=cache))
    direct = create_app(dataclasses.replace(config, cache_dir=inline))
    with app.server.test_request_context():
        first = slices.update(["1", "3"], 0.5, "en", "sex", "roc_auc", 4, None)
        assert "computing paired intervals in the background" in str(first[0])
        assert first[2] is None
        shown = backend()
        queued = [a for a in shown.activity(["1", "3"]) if a.kind == "slices"]
        assert [activity_text(a) for a in queued] in (
            [],  # already done
            ["version 1, version 3: computing slices"],
        )
        deadline = time.monotonic() + 120
        while any(a.running for a in shown.activity(["1", "3"])) and time.monotonic() < deadline:
            time.sleep(0.2)
        second = slices.update(["1", "3"], 0.5, "en", "sex", "roc_auc", 4, None)
        assert second[0] == []
        assert second[2] is not None
    with direct.server.test_request_context():  # the table computed in the request
        again = slices.update(["1", "3"], 0.5, "en", "sex", "roc_auc", 4, None)
    assert str(again[2]) == str(second[2])

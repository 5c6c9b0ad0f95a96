"""Matched operating points as a table: each version's quantity with its interval, each
challenger's paired difference and p-value, and the note on where thresholds were chosen, in
English and Japanese."""

from __future__ import annotations

import numpy as np
import pytest

from champion.dashboard.components import data_table
from champion.errors import DataError
from champion.evaluation.criteria import Criterion
from champion.evaluation.operating import matched_points
from champion.presentation.point_views import criterion_of, matched_view
from champion.presentation.table_views import CRITERIA


def scores() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(6)
    y = rng.random(800) < 0.4
    noise = rng.normal(0.0, 1.0, 800)
    return y, {"version 1": noise + 0.5 * y, "version 2": noise + 1.5 * y}


def test_each_finder_choice_is_a_criterion() -> None:
    found = {c: criterion_of(c, (1, 5), 0.8) for c in CRITERIA}
    assert found["cost"] == Criterion("min_cost", cost_fp=1.0, cost_fn=5.0)
    assert found["precision"] == Criterion("recall_at_precision", level=0.8)
    assert found["recall"] == Criterion("fpr_at_recall", level=0.8)
    assert found["youden"] == Criterion("youden")
    assert found["f1"] == Criterion("max_f1")
    with pytest.raises(DataError, match="between 0 and 1"):
        criterion_of("precision", (None, None), 1.01)


def test_the_table_shows_values_intervals_differences_and_the_optimism_note() -> None:
    y, models = scores()
    points = matched_points(y, models, "recall_at_precision:0.7")
    view = matched_view(points, "en")
    assert view.header == (
        "Model", "Threshold", "Recall [95%]", "Precision reached", "Δ vs version 1 [95%]", "p",
    )  # fmt: skip
    base, other = view.rows
    assert base[0].text == "version 1"
    value = points.points["version 1"].quantity
    assert base[2].text == f"{value.value:.4f} [{value.ci_low:.4f}, {value.ci_high:.4f}]"
    assert base[4].text == "baseline"
    d = points.differences["version 2"]
    assert other[4].text.startswith(f"{d.delta:+.4f} [")
    assert other[4].tone == "better"
    assert other[5].text == "< 0.001"
    assert "optimistic" in (view.caption or "")
    assert "800 rows" in (view.caption or "")
    drawn = str(data_table(view, "t"))
    assert "text-success" in drawn
    assert "optimistic" in drawn


def test_with_a_holdout_the_note_says_where_thresholds_were_chosen_in_both_languages() -> None:
    y, models = scores()
    points = matched_points(y, models, "min_cost:1:3", holdout=0.5)
    en = matched_view(points, "en")
    assert en.header[2] == "Mean cost per row [95%]"
    assert len(en.header) == 5  # no constraint: no "reached" column
    assert "chosen on 400 rows and reported on the other 400" in (en.caption or "")
    assert "optimistic" in (en.caption or "")  # "not optimistic"
    ja = matched_view(points, "ja")
    assert ja.header[2] == "1行あたりの平均コスト [95%]"
    assert "ホールドアウト" in (ja.caption or "")
    same = matched_view(matched_points(y, models, "youden"), "ja")
    assert "楽観的" in (same.caption or "")
    assert same.header[2] == "Youden の J [95%]"


def test_an_unreachable_point_says_why() -> None:
    y, models = scores()
    wrong_on_top = models["version 2"].copy()
    wrong_on_top[np.flatnonzero(~y)[0]] = 100.0  # a negative scores highest: precision < 1
    points = matched_points(y, {**models, "version 3": wrong_on_top}, "recall_at_precision:1.0")
    row = matched_view(points, "en").rows[2]
    assert row[1].text == "not reachable"
    assert "no threshold reaches precision 1" in (row[1].hint or "")
    assert row[2].text == "—"
    assert row[4].text == "—"
    assert "version 3 has no value" in (row[4].hint or "")

"""champion.presentation: a Comparison as display rows and as a markdown report."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

import champion
from champion.evaluation import METRICS, Comparison
from champion.presentation import (
    agreement_rows,
    badge,
    comparison_markdown,
    delta_rows,
    fmt_interval,
    fmt_number,
    fmt_p,
    fmt_percent,
    mark,
    metric_rows,
    notes,
    summary,
)


def _data(n: int = 300, seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    weak = np.clip(0.5 + 0.1 * (y - 0.5) + rng.normal(0, 0.25, n), 0, 1)
    strong = np.clip(0.5 + 0.6 * (y - 0.5) + rng.normal(0, 0.2, n), 0, 1)
    return y, weak, strong


@pytest.fixture(scope="module")
def better() -> Comparison:
    y, weak, strong = _data()
    return champion.compare(y, {"initial": weak, "new": strong}, n_boot=200, random_state=0)


@pytest.fixture(scope="module")
def worse() -> Comparison:
    y, weak, strong = _data()
    return champion.compare(y, {"initial": strong, "new": weak}, n_boot=200, random_state=0)


@pytest.mark.parametrize(
    ("value", "kwargs", "text"),
    [
        (0.72501, {}, "0.7250"),
        (1.0, {}, "1.0000"),
        (0.0123, {"signed": True}, "+0.0123"),
        (-0.5, {"signed": True}, "-0.5000"),
        (0.123456, {"digits": 2}, "0.12"),
        (None, {}, "—"),
    ],
)
def test_fmt_number(value: float | None, kwargs: dict[str, object], text: str) -> None:
    assert fmt_number(value, **kwargs) == text  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.034, "p = 0.034"),
        (0.0342, "p = 0.034"),
        (1.0, "p = 1.000"),
        (0.001, "p = 0.001"),
        (0.0009, "p < 0.001"),
        (0.0, "p < 0.001"),
        (None, "p = —"),
    ],
)
def test_fmt_p(p: float | None, text: str) -> None:
    assert fmt_p(p) == text


def test_fmt_interval_and_percent() -> None:
    assert fmt_interval(0.65932, 0.78220) == "[0.6593, 0.7822]"
    assert fmt_interval(-0.01, 0.02, signed=True) == "[-0.0100, +0.0200]"
    assert fmt_interval(None, 0.5) == ""
    assert fmt_percent(0.95) == "95%"
    assert fmt_percent(0.975) == "97.5%"


def test_marks_follow_the_verdict() -> None:
    assert mark("better") == "▲"
    assert mark("worse") == "▼"
    assert mark("no significant difference") == ""
    assert mark("undefined") == ""
    assert badge("no significant difference") == "n.s."
    assert badge("better") == "▲ better"


def test_metric_rows_show_value_and_interval(better: Comparison) -> None:
    rows = metric_rows(better)
    assert [r.metric for r in rows] == [spec.name for spec in METRICS]
    assert [r.label for r in rows] == [spec.label for spec in METRICS]
    for row in rows:
        assert [c.model for c in row.cells] == ["initial", "new"]
        for cell in row.cells:
            est = better.models[cell.model].metrics[row.metric]
            assert est.value is not None
            assert est.ci_low is not None
            assert est.ci_high is not None
            expected = f"{est.value:.4f} [{est.ci_low:.4f}, {est.ci_high:.4f}]"
            assert cell.text == expected
            assert cell.method == est.method


def test_rows_are_frozen(better: Comparison) -> None:
    row = metric_rows(better)[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.label = "x"  # type: ignore[misc]
    delta = delta_rows(better)["new"][0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        delta.text = "x"  # type: ignore[misc]


def test_null_metric_is_a_dash_with_its_note() -> None:
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 80)
    raw = rng.normal(0, 2, 80) + y  # decision scores, not probabilities
    # n_boot=0: compare() with bootstrap on raises KeyError('log_loss') for such scores
    cmp = champion.compare(y, {"a": raw, "b": rng.random(80)}, n_boot=0)
    row = next(r for r in metric_rows(cmp) if r.metric == "log_loss")
    cell = row.cells[0]
    assert cell.text == "—"
    assert cell.value == "—"
    assert cell.note is not None
    assert "not probabilities" in cell.note
    assert any(n.startswith("a: Log loss undefined") for n in notes(cmp))
    delta = next(d for d in delta_rows(cmp)["b"] if d.metric == "log_loss")
    assert delta.delta == "—"
    assert delta.p_value == "—"
    assert delta.verdict == "undefined"


def test_delta_rows_mark_a_better_challenger(better: Comparison) -> None:
    rows = delta_rows(better)
    assert list(rows) == ["new"]
    auc = next(r for r in rows["new"] if r.metric == "roc_auc")
    source = better.comparisons["new"].deltas["roc_auc"]
    assert source.verdict == "better"
    assert auc.mark == "▲"
    assert auc.method == "delong"
    assert auc.text == f"{source.delta:+.4f} (p < 0.001) ▲"
    assert auc.interval.startswith("[+")
    brier = next(r for r in rows["new"] if r.metric == "brier")
    assert brier.delta.startswith("-")  # lower Brier score ...
    assert brier.mark == "▲"  # ... is better


def test_delta_rows_mark_a_worse_challenger(worse: Comparison) -> None:
    auc = next(r for r in delta_rows(worse)["new"] if r.metric == "roc_auc")
    assert auc.verdict == "worse"
    assert auc.mark == "▼"
    assert auc.text.endswith("▼")


def test_delta_text_without_significance_has_no_mark() -> None:
    rng = np.random.default_rng(11)
    y = rng.integers(0, 2, 200)
    s = rng.random(200)
    cmp = champion.compare(y, {"a": s, "b": np.clip(s + rng.normal(0, 0.01, 200), 0, 1)})
    rows = delta_rows(cmp)["b"]
    quiet = [r for r in rows if r.verdict == "no significant difference"]
    assert quiet
    for row in quiet:
        assert row.mark == ""
        assert re.fullmatch(r"[+-]\d\.\d{4} \(p = \d\.\d{3}\)", row.text), row.text


def test_summary_and_agreement(better: Comparison) -> None:
    s = summary(better)
    assert (s.n, s.baseline, s.models) == (300, "initial", ("initial", "new"))
    assert s.positives + s.negatives == s.n
    first, second = s.lines()
    assert first.startswith("300 rows (")
    assert "threshold 0.5" in first
    assert "confidence 95%" in second
    (row,) = agreement_rows(better)
    a = better.comparisons["new"].agreement
    assert (row.both_correct, row.baseline_only, row.challenger_only, row.both_wrong) == (
        a.both_correct,
        a.baseline_only,
        a.challenger_only,
        a.both_wrong,
    )
    assert row.both_correct + row.baseline_only + row.challenger_only + row.both_wrong == 300
    assert row.mcnemar.startswith("p ")


def test_markdown_report(better: Comparison) -> None:
    text = comparison_markdown(better)
    assert text.startswith("# Model comparison\n")
    assert text.endswith("\n")
    assert "**300**" in text
    assert "threshold: **0.5**" in text
    assert "confidence: **95%**" in text
    for spec in METRICS:
        assert f"| {spec.label} |" in text
    assert "| Metric | initial (baseline) | new |" in text
    assert "## new vs initial" in text
    assert "## Agreement at threshold 0.5" in text
    assert "▲ better" in text
    assert "nan" not in text.lower()
    # every table row of a table has as many cells as its header
    blocks = [b for b in text.split("\n\n") if b.startswith("|")]
    assert len(blocks) == 3
    for block in blocks:
        widths = {line.count(" | ") for line in block.splitlines() if not line.startswith("|:")}
        assert len(widths) == 1, block


def test_markdown_notes_and_escaping() -> None:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 60)
    cmp = champion.compare(y, {"v|1": rng.random(60) * 3, "v2": rng.random(60)}, n_boot=0)
    text = comparison_markdown(cmp)
    assert "v\\|1 (baseline)" in text
    assert "## Notes" in text
    assert "bootstrap off" in text
    assert "v\\|1, v2: bootstrap off" in text

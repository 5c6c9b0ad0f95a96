"""champion.reports.markdown: the decision record as a pull-request comment (verdict and gate
first, GitHub's 65,536-character limit kept, a last line naming the HTML report)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

import champion
from champion.evaluation import evaluate_gates, parse_rules
from champion.reports.collect import new_record
from champion.reports.markdown import LIMIT, fit, render_markdown
from champion.reports.record import DatasetInfo, DecisionRecord, ModelInfo


def record_of(
    n_models: int = 2,
    rules: tuple[str, ...] = ("roc_auc:not-worse",),
    name_length: int = 0,
    n: int = 300,
) -> DecisionRecord:
    """A record of n_models models on n rows (the first the baseline), gated on rules; model
    names padded to name_length characters."""
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, n)
    shared = rng.normal(0, 1, n)
    names = [f"model-{i}".ljust(name_length, "x") for i in range(n_models)]
    scores = {
        name: shared + rng.normal(0, 1, n) + (0.6 + 0.2 * i) * y for i, name in enumerate(names)
    }
    cmp = champion.compare(y, scores, n_boot=0)
    deltas = {name: c.deltas for name, c in cmp.comparisons.items()}
    gate = evaluate_gates(deltas, parse_rules(list(rules))) if rules else None
    summary = {"fingerprint": "f" * 64, "rows": n, "source": "scores.csv", "recipe": None,
               "target": "y"}  # fmt: skip
    positives = int(y.sum())
    dataset = DatasetInfo(summary, 1, ((1, positives), (0, n - positives)))
    models = {name: ModelInfo(name, column=name) for name in names}
    return new_record(cmp, dataset, models, gate, gate_rules=rules)


def test_verdict_gate_tables_and_the_html_line() -> None:
    record = record_of(3, ("roc_auc:not-worse", "f1:non-inferior:0.05"))
    text = render_markdown(record, html_name="report.html")
    lines = text.splitlines()
    assert lines[0] == "# Decision record: model-1, model-2 vs model-0 on 300 rows"
    verdicts = [line for line in lines if line.startswith("- model-") and " vs model-0: " in line]
    assert len(verdicts) == 4  # two challengers, ROC AUC and the gate's F1
    assert "## Gate" in lines
    assert lines.index("## Gate") < lines.index("## Test set") < lines.index("### Metrics")
    for outcome in record.gate["model-1"].rules:  # type: ignore[index]
        assert f"  - `{outcome.rule}`: {outcome.reason}" in lines
    assert f"- Fingerprint: `{'f' * 64}`" in lines
    assert "| model-0 | model-0 |" in lines  # the models' score columns
    assert "## Model comparison" in lines  # compare's report, a level down
    assert "### Agreement at threshold 0.5" in lines
    assert lines[-1] == (
        "The full report (charts, slices, disagreements, every number): `report.html`"
    )
    assert "left out" not in text
    assert record.created_at.strftime("%Y-%m-%d %H:%M:%S") in text


def test_without_a_gate_or_an_html_name() -> None:
    text = render_markdown(record_of(2, ()), lang="en")
    assert "No gate was given (--gate RULE)" in text
    assert "full report" not in text


def test_japanese() -> None:
    text = render_markdown(record_of(2), lang="ja", html_name="r.html")
    assert text.startswith("# 判断記録: ")
    assert "## ゲート" in text
    assert "✅ 合格" in text or "❌ 不合格" in text
    assert "有意差なし" in text or "改善" in text or "悪化" in text
    assert text.rstrip().endswith("`r.html`")


def test_a_huge_comparison_is_cut_to_githubs_limit_keeping_verdict_and_gate() -> None:
    record = record_of(60, ("roc_auc:not-worse",), name_length=40)
    whole = render_markdown(record, html_name="report.html", limit=10**9)
    assert len(whole) > LIMIT + 20_000  # the test needs more than fits
    text = render_markdown(record, html_name="report.html")
    assert len(text) <= LIMIT
    lines = text.splitlines()
    gate_end = whole.index("## Test set")
    assert text.startswith(whole[:gate_end])  # title, every verdict and the whole gate
    note = next(line for line in lines if "more lines left out" in line)
    dropped = int(note.split()[1].replace(",", ""))
    assert dropped == len(whole.splitlines()) - len(lines) + 2  # the note and its blank line
    assert "65,536 characters" in note
    assert lines[-1].endswith("`report.html`")


def test_when_even_the_gate_is_too_long_the_verdict_comes_first() -> None:
    record = record_of(30, ("roc_auc:not-worse", "accuracy:not-worse"), name_length=2000)
    text = render_markdown(record, html_name="report.html")
    assert len(text) <= LIMIT
    assert text.splitlines()[2] == "**Verdict**"
    assert "more lines left out" in text
    assert text.rstrip().endswith("`report.html`")


@pytest.mark.parametrize("limit", [60, 200, 1000])
def test_fit_keeps_to_any_limit(limit: int) -> None:
    head = ["# title", "", "verdict " * 5]
    body = [f"| row {i} | {'x' * 30} |" for i in range(100)]
    tail = ["", "see report.html"]
    text = fit(head, body, tail, "en", limit)
    assert len(text) <= limit
    assert fit(head, body[:1], tail, "en", 10**6) == "\n".join([*head, *body[:1], *tail]) + "\n"


def test_created_at_is_utc_now() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    record = record_of(2)
    assert before <= record.created_at <= datetime.now(UTC)
    assert record.created_at.tzinfo is UTC

"""Rows of a multiclass comparison for tables and Markdown (no Dash, no rich): every metric of
every model with its interval, each challenger's paired differences (Holm-adjusted with several
challengers) and the class that loses most."""

from __future__ import annotations

from dataclasses import dataclass

from champion.evaluation.compare import adjusted_verdict
from champion.evaluation.multiclass import MULTICLASS_METRICS, MulticlassComparison
from champion.presentation.tables import (
    MISSING,
    badge,
    fmt_interval,
    fmt_number,
    fmt_p,
    fmt_percent,
    mark,
    md_table,
    md_text,
)


@dataclass(frozen=True)
class MulticlassDeltaRow:
    """challenger - baseline for one metric: delta "+0.0123", interval, p "p = 0.034", p_holm
    ("" with one challenger), method, verdict (on p_holm with several challengers), badge."""

    label: str
    delta: str
    interval: str
    p_value: str
    p_holm: str
    method: str
    verdict: str
    badge: str
    mark: str


def metric_table(cmp: MulticlassComparison) -> list[list[str]]:
    """A row per metric: its label, then each model's "value [low, high]"."""
    rows = []
    for spec in MULTICLASS_METRICS:
        cells = [spec.label]
        for evaluation in cmp.models.values():
            estimate = evaluation.estimates.get(spec.name)
            value = None if estimate is None else estimate.value
            interval = "" if estimate is None else fmt_interval(estimate.ci_low, estimate.ci_high)
            cells.append(f"{fmt_number(value)} {interval}".strip())
        rows.append(cells)
    return rows


def delta_rows(cmp: MulticlassComparison) -> dict[str, tuple[MulticlassDeltaRow, ...]]:
    """For each challenger, a row per metric; with several challengers each is judged on its
    Holm-adjusted p-value."""
    adjusted = cmp.holm_adjusted() if len(cmp.comparisons) > 1 else None
    alpha = 1.0 - cmp.baseline_evaluation.confidence
    found = {}
    for name, comparison in cmp.comparisons.items():
        rows = []
        for spec in MULTICLASS_METRICS:
            d = comparison.deltas[spec.name]
            p_holm = None if adjusted is None else adjusted[spec.name][name]
            verdict = d.verdict if adjusted is None else adjusted_verdict(d.verdict, p_holm, alpha)
            rows.append(
                MulticlassDeltaRow(
                    spec.label,
                    fmt_number(d.delta, signed=True),
                    fmt_interval(d.ci_low, d.ci_high, signed=True),
                    MISSING if d.p_value is None else fmt_p(d.p_value),
                    "" if adjusted is None else fmt_p(p_holm),
                    d.method,
                    verdict,
                    badge(verdict),
                    mark(verdict),
                )
            )
        found[name] = tuple(rows)
    return found


def losing_classes(cmp: MulticlassComparison) -> dict[str, list[str]]:
    """For each challenger, a sentence per per-class block (F1, ROC AUC): the class that loses
    most when it is significantly worse after Holm across the classes, else why none is."""
    found = {}
    for name, comparison in cmp.comparisons.items():
        lines = []
        for metric, block in comparison.per_class.items():
            if block.worst is not None:
                lines.append(f"{metric}: loses most on class {block.worst!r}")
            else:
                lines.append(f"{metric}: {block.worst_reason}")
        found[name] = lines
    return found


def multiclass_markdown(cmp: MulticlassComparison, notes: tuple[str, ...] = ()) -> str:
    """A GitHub-flavoured Markdown report: header, metrics, differences per challenger, the
    classes that lose most, notes. Ends with a newline."""
    first = cmp.baseline_evaluation
    level = fmt_percent(first.confidence)
    classes = ", ".join(f"`{md_text(c)}`" for c in first.report.classes)
    lines = [
        "# Model comparison (multiclass)",
        "",
        f"- rows: **{first.report.n}**; classes: {classes}",
        f"- confidence: **{level}**; intervals: {first.ci}",
        f"- baseline: **{md_text(cmp.baseline)}**",
        "",
        "## Metrics",
        "",
        f"Value [{level} confidence interval].",
        "",
    ]
    header = ["Metric", *(md_text(n) for n in cmp.models)]
    lines += md_table(header, metric_table(cmp), "l" + "r" * len(cmp.models))
    several = len(cmp.comparisons) > 1
    losing = losing_classes(cmp)
    for name, rows in delta_rows(cmp).items():
        lines += ["", f"## {md_text(name)} vs {md_text(cmp.baseline)}", ""]
        head = ["Metric", "Δ", f"{level} CI", "p-value", *(["p (Holm)"] if several else [])]
        body = [
            [r.label, r.delta, r.interval or MISSING, r.p_value]
            + ([r.p_holm] if several else [])
            + [r.method, f"{r.mark} {r.verdict}".strip()]
            for r in rows
        ]
        align = "lrrr" + ("r" if several else "") + "ll"
        lines += md_table([*head, "test", "verdict"], body, align)
        lines += ["", *(f"- {md_text(line)}" for line in losing[name])]
    if several:
        lines += [
            "",
            f"With {len(cmp.comparisons)} challengers a difference is better or worse only "
            "when its p-value adjusted by Holm across them (for each metric) is below "
            f"{1 - first.confidence:.3g}.",
        ]
    if notes:
        lines += ["", "## Notes", "", *(f"- {md_text(n)}" for n in notes)]
    return "\n".join(lines) + "\n"

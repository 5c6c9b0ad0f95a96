"""A Comparison as rows of display strings, and as a GitHub-flavoured markdown report.

Pure Python: no click, rich or dash here. Every row is a frozen dataclass of strings (plus the
raw fields a renderer may want), so the CLI, a dashboard or a file writer all show the same text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from champion.evaluation import METRICS, Comparison, MetricDelta, MetricEstimate
from champion.evaluation.compare import adjusted_verdict

MISSING = "—"
MARKS = {"better": "▲", "worse": "▼"}
BADGES = {"better": "▲ better", "worse": "▼ worse", "no significant difference": "n.s."}


def fmt_number(value: float | None, digits: int = 4, signed: bool = False) -> str:
    """0.72501 -> "0.7250" (signed: "+0.7250"); None -> "—"."""
    if value is None:
        return MISSING
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def fmt_p(p_value: float | None) -> str:
    """0.0342 -> "p = 0.034", 0.0004 -> "p < 0.001", None -> "p = —"."""
    if p_value is None:
        return f"p = {MISSING}"
    if p_value < 0.001:
        return "p < 0.001"
    return f"p = {p_value:.3f}"


def fmt_interval(low: float | None, high: float | None, signed: bool = False) -> str:
    """ "[0.6593, 0.7822]"; "" when either bound is missing."""
    if low is None or high is None:
        return ""
    return f"[{fmt_number(low, signed=signed)}, {fmt_number(high, signed=signed)}]"


def fmt_percent(fraction: float) -> str:
    """0.95 -> "95%", 0.975 -> "97.5%"."""
    return f"{fraction * 100:g}%"


def mark(verdict: str) -> str:
    """ "▲" for a significantly better challenger, "▼" for worse, "" otherwise."""
    return MARKS.get(verdict, "")


def badge(verdict: str) -> str:
    """A short verdict for narrow tables: "▲ better", "▼ worse", "n.s." or the verdict itself."""
    return BADGES.get(verdict, verdict)


@dataclass(frozen=True)
class Summary:
    """What was compared: rows, classes, settings and the baseline model."""

    n: int
    positives: int
    negatives: int
    pos_label: Any
    threshold: float
    confidence: float
    n_boot: int
    weighted: bool
    baseline: str
    models: tuple[str, ...]

    def lines(self) -> tuple[str, str]:
        """Two short lines: "143 rows (57 positive, 86 negative) · positive label 1 ·
        threshold 0.5" and "baseline initial · confidence 95% · 1000 bootstrap resamples"."""
        first = [
            f"{self.n} rows ({self.positives} positive, {self.negatives} negative)",
            f"positive label {self.pos_label!r}",
            f"threshold {self.threshold:g}",
        ]
        second = [
            f"baseline {self.baseline}",
            f"confidence {fmt_percent(self.confidence)}",
            f"{self.n_boot} bootstrap resamples" if self.n_boot else "bootstrap off",
        ]
        if self.weighted:
            second.append("weighted rows")
        return " · ".join(first), " · ".join(second)

    def line(self) -> str:
        """Both lines() in one."""
        return " · ".join(self.lines())


def summary(cmp: Comparison) -> Summary:
    base = cmp.baseline_report
    return Summary(
        n=base.n,
        positives=base.positives,
        negatives=base.negatives,
        pos_label=base.pos_label,
        threshold=base.threshold,
        confidence=base.confidence,
        n_boot=base.n_boot,
        weighted=base.counts.weighted,
        baseline=cmp.baseline,
        models=tuple(cmp.models),
    )


@dataclass(frozen=True)
class MetricCell:
    """One model's value of one metric: text is "0.7250 [0.6593, 0.7822]", or "—" when null."""

    model: str
    value: str
    interval: str
    text: str
    method: str
    note: str | None


@dataclass(frozen=True)
class MetricRow:
    """One metric across the models, in the Comparison's order (baseline first)."""

    metric: str
    label: str
    greater_is_better: bool
    cells: tuple[MetricCell, ...]


def metric_cell(model: str, estimate: MetricEstimate) -> MetricCell:
    value = fmt_number(estimate.value)
    interval = fmt_interval(estimate.ci_low, estimate.ci_high)
    text = f"{value} {interval}" if interval and estimate.value is not None else value
    return MetricCell(model, value, interval, text, estimate.method, estimate.note)


def metric_rows(cmp: Comparison) -> tuple[MetricRow, ...]:
    """A row per metric (METRICS order), a cell per model."""
    return tuple(
        MetricRow(
            spec.name,
            spec.label,
            spec.greater_is_better,
            tuple(metric_cell(name, r.metrics[spec.name]) for name, r in cmp.models.items()),
        )
        for spec in METRICS
    )


@dataclass(frozen=True)
class DeltaRow:
    """challenger - baseline for one metric: text is "+0.0123 (p = 0.034) ▲".

    delta "+0.0123", interval "[-0.0100, +0.0350]" ("" when unavailable), p_value "p = 0.034"
    ("—" when unavailable), mark "▲" / "▼" / "", badge "▲ better" / "▼ worse" / "n.s.".
    With several challengers p_holm is the Holm-adjusted p ("p = 0.068"; "" with one), and
    verdict, mark and badge follow it: better or worse only when it is below 1 - confidence.
    """

    challenger: str
    metric: str
    label: str
    delta: str
    interval: str
    p_value: str
    mark: str
    badge: str
    verdict: str
    method: str
    reason: str
    text: str
    p_holm: str = ""


def delta_row(
    challenger: str, label: str, d: MetricDelta, holm: tuple[float | None, float] | None = None
) -> DeltaRow:
    """The row of one difference; holm: (its Holm-adjusted p, alpha) among several challengers."""
    verdict = d.verdict if holm is None else adjusted_verdict(d.verdict, *holm)
    delta, p_text, sign = fmt_number(d.delta, signed=True), fmt_p(d.p_value), mark(verdict)
    text = delta if d.delta is None else f"{delta} ({p_text})"
    if sign:
        text = f"{text} {sign}"
    interval = fmt_interval(d.ci_low, d.ci_high, signed=True)
    p_value = MISSING if d.p_value is None else p_text
    return DeltaRow(
        challenger,
        d.metric,
        label,
        delta,
        interval,
        p_value,
        sign,
        badge(verdict),
        verdict,
        d.method,
        d.reason,
        text,
        "" if holm is None else fmt_p(holm[0]),
    )


def delta_rows(cmp: Comparison) -> dict[str, tuple[DeltaRow, ...]]:
    """For each challenger (non-baseline model), a row per metric; with several challengers
    each row is judged on its Holm-adjusted p-value (see DeltaRow)."""
    adjusted = cmp.holm_adjusted() if len(cmp.comparisons) > 1 else None
    alpha = 1.0 - cmp.baseline_report.confidence

    def holm(name: str, metric: str) -> tuple[float | None, float] | None:
        return None if adjusted is None else (adjusted[metric][name], alpha)

    return {
        name: tuple(
            delta_row(name, spec.label, c.deltas[spec.name], holm(name, spec.name))
            for spec in METRICS
        )
        for name, c in cmp.comparisons.items()
    }


@dataclass(frozen=True)
class AgreementRow:
    """Paired correctness of a challenger and the baseline at the threshold (row counts)."""

    challenger: str
    both_correct: int
    baseline_only: int
    challenger_only: int
    both_wrong: int
    mcnemar: str


def agreement_rows(cmp: Comparison) -> tuple[AgreementRow, ...]:
    rows = []
    for name, c in cmp.comparisons.items():
        a = c.agreement
        test = "exact" if c.mcnemar.exact else "χ²"
        rows.append(
            AgreementRow(
                name,
                a.both_correct,
                a.baseline_only,
                a.challenger_only,
                a.both_wrong,
                f"{fmt_p(c.mcnemar.p_value)} ({test})",
            )
        )
    return tuple(rows)


def notes(cmp: Comparison) -> tuple[str, ...]:
    """Every note once, prefixed by the models it concerns ("a, b: note"): report remarks and
    undefined metrics first, then the paired tests' notes."""
    labels = {spec.name: spec.label for spec in METRICS}
    owners: dict[str, list[str]] = {}
    for name, report in cmp.models.items():
        texts = list(report.notes)
        texts += [
            f"{labels.get(metric, metric)} {estimate.note}"
            for metric, estimate in report.metrics.items()
            if estimate.note
        ]
        for text in texts:
            owners.setdefault(text, []).append(name)
    lines = [f"{', '.join(names)}: {text}" for text, names in owners.items()]
    lines += [
        f"{name} vs {cmp.baseline}: DeLong test: {c.delong.note}"
        for name, c in cmp.comparisons.items()
        if c.delong.note
    ]
    return tuple(lines)


def md_text(text: object) -> str:
    """A markdown table cell: pipes escaped, newlines flattened."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def md_table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    lines = ["| " + " | ".join(md_text(h) for h in header) + " |"]
    lines.append("|" + "|".join(":---" if a == "l" else "---:" for a in align) + "|")
    lines.extend("| " + " | ".join(md_text(cell) for cell in row) + " |" for row in rows)
    return lines


def comparison_markdown(cmp: Comparison) -> str:
    """A GitHub-flavoured markdown report: header, metrics, deltas per challenger, agreement,
    notes. Ends with a newline."""
    s = summary(cmp)
    level = fmt_percent(s.confidence)
    lines = [
        "# Model comparison",
        "",
        f"- rows: **{s.n}** ({s.positives} positive, {s.negatives} negative; "
        f"positive label `{s.pos_label!r}`)",
        f"- threshold: **{s.threshold:g}** (score >= threshold is predicted positive)",
        f"- confidence: **{level}**"
        + (f", {s.n_boot} bootstrap resamples" if s.n_boot else ", bootstrap off"),
        f"- baseline: **{md_text(s.baseline)}**" + (" (weighted rows)" if s.weighted else ""),
        "",
        "## Metrics",
        "",
        f"Value [{level} confidence interval].",
        "",
    ]
    rows = metric_rows(cmp)
    header = [
        "Metric",
        *(name if name != s.baseline else f"{name} (baseline)" for name in s.models),
    ]
    body = [[r.label, *(c.text for c in r.cells)] for r in rows]
    lines += md_table(header, body, "l" + "r" * len(s.models))
    family = len(cmp.comparisons)
    for name, deltas in delta_rows(cmp).items():
        lines += ["", f"## {md_text(name)} vs {md_text(s.baseline)}", ""]
        body = [
            [d.label, d.delta, d.interval or MISSING, d.p_value]
            + ([d.p_holm] if family > 1 else [])
            + [d.method, f"{d.mark} {d.verdict}"]
            for d in deltas
        ]
        header = ["Metric", "Δ", f"{level} CI", "p-value"]
        header += ["p (Holm)"] if family > 1 else []
        header += ["test", "verdict"]
        align = "lrrr" + ("r" if family > 1 else "") + "ll"
        lines += md_table(header, [[c.strip() for c in row] for row in body], align)
    if family > 1:
        lines += [
            "",
            f"With {family} challengers a difference is better or worse only when its p-value "
            f"adjusted by Holm across them (for each metric) is below {1 - s.confidence:.3g}.",
        ]
    agreement = agreement_rows(cmp)
    if agreement:
        lines += ["", f"## Agreement at threshold {s.threshold:g}", ""]
        header = [
            "Challenger",
            "both correct",
            f"only {s.baseline} correct",
            "only challenger correct",
            "both wrong",
            "McNemar",
        ]
        body = [
            [
                a.challenger,
                str(a.both_correct),
                str(a.baseline_only),
                str(a.challenger_only),
                str(a.both_wrong),
                a.mcnemar,
            ]
            for a in agreement
        ]
        lines += md_table(header, body, "lrrrrr")
    remarks = notes(cmp)
    if remarks:
        lines += ["", "## Notes", ""]
        lines += [f"- {md_text(remark)}" for remark in remarks]
    return "\n".join(lines) + "\n"

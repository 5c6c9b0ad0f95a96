"""Tables as display data: a header and rows of cells (text, a hover hint, a tone), drawn by any
UI with one table component (the dashboard's ``components.data_table``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import quote

from champion.errors import without_credentials
from champion.evaluation import (
    Agreement,
    Comparison,
    EvaluationReport,
    GateCheck,
    OperatingPoint,
    SliceTable,
)
from champion.models.refs import RegisteredModelInfo
from champion.presentation.i18n import metric_label, t
from champion.presentation.tables import DeltaRow, delta_rows, fmt_p, mark, metric_rows

TONES = {"better": "better", "worse": "worse"}  # a delta's verdict -> the tone of its cell


@dataclass(frozen=True)
class Cell:
    """One cell: its text, a hint shown on hover (None: none), a tone ("better", "worse",
    "notable", "code", "disabled" (an action that cannot be taken) or None), a link (an
    address the text points to), an action (the key of a button the UI draws in the cell,
    labelled text) and how many columns it spans."""

    text: str
    hint: str | None = None
    tone: str | None = None
    link: str | None = None
    action: str | None = None
    span: int = 1


@dataclass(frozen=True)
class TableView:
    """A header (k,) and rows of cells spanning k columns; flagged rows (by index) are marked,
    a caption (None: none) says what the table is, and with row_headings the first cell of a
    row heads it."""

    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    flagged: frozenset[int] = frozenset()
    caption: str | None = None
    row_headings: bool = False


def metrics_view(cmp: Comparison, lang: str) -> TableView:
    """One row per metric: each model's value [CI], then each challenger's difference. With
    several challengers each difference also shows its p-value adjusted by Holm across them,
    and only an adjusted p-value below 1 - confidence marks it better or worse (the caption
    says so)."""
    challengers = [name for name in cmp.models if name != cmp.baseline]
    header = [t("ui.metric", lang)] + [
        f"{name} ({t('ui.baseline', lang)})" if name == cmp.baseline else name
        for name in cmp.models
    ]
    header += [f"Δ {name}" for name in challengers]
    deltas = delta_rows(cmp)
    adjusted = cmp.holm_adjusted() if len(challengers) > 1 else None
    alpha = 1.0 - cmp.baseline_report.confidence
    rows = []
    for i, row in enumerate(metric_rows(cmp)):
        cells = [Cell(metric_label(row.metric, lang))]
        cells += [Cell(cell.text, cell.note or None) for cell in row.cells]
        for name in challengers:
            d = deltas[name][i]
            if adjusted is None:
                cells.append(Cell(d.text, d.reason, TONES.get(d.verdict)))
            else:
                cells.append(_adjusted_cell(d, adjusted[d.metric][name], alpha, lang))
        rows.append(tuple(cells))
    caption = None
    if adjusted is not None:
        caption = t("ui.holm_caption", lang, n=len(challengers), alpha=f"{alpha:g}")
    return TableView(tuple(header), tuple(rows), caption=caption)


def _adjusted_cell(d: DeltaRow, p_holm: float | None, alpha: float, lang: str) -> Cell:
    """A difference among several challengers: raw and Holm-adjusted p; marked better or
    worse only when the adjusted p-value is below alpha."""
    if d.delta == "—" or p_holm is None:
        return Cell(d.text, d.reason)
    significant = p_holm < alpha and d.verdict in TONES
    text = f"{d.delta} ({d.p_value}, Holm {fmt_p(p_holm)})"
    if significant:
        text = f"{text} {mark(d.verdict)}"
    reason = f"{d.reason}; {t('ui.holm_reason', lang, p=fmt_p(p_holm))}"
    return Cell(text, reason, TONES.get(d.verdict) if significant else None)


def slices_view(table: SliceTable, lang: str) -> TableView:
    """Slice, rows, positives, each model's value with its interval, each challenger's
    difference with its interval and Holm-adjusted p-value; slices too small to judge say so,
    and the slice where a challenger is significantly worse by the most is flagged."""
    models = list(table.rows[0].values) if table.rows else []
    challengers = [m for m in models if m != table.baseline]
    worst = {w.label for w in table.worst.values() if w.label is not None}
    counted = t("mc.ui.classes_present", lang) if table.multiclass else t("ui.positives", lang)
    header = [t("ui.slice", lang), t("ui.rows", lang), counted, *models]
    for name in challengers:
        header += [f"Δ {name}", f"{t('ui.p_holm', lang)} {name}"]
    rows = []
    for row in table.rows:
        label = f"{row.label} ({t('ui.slice_small', lang)})" if row.small else row.label
        cells = [Cell(label, row.label), Cell(f"{row.n:,}"), Cell(f"{row.positives:,}")]
        cells += [Cell(_with_interval(row.values[m], row.intervals.get(m), "")) for m in models]
        for name in challengers:
            delta = row.deltas[name]
            cells.append(Cell(_with_interval(delta, row.delta_intervals.get(name), "+")))
            p = row.p_holm.get(name)
            cells.append(Cell("—" if p is None else f"{p:.3g}"))
        rows.append(tuple(cells))
    flagged = frozenset(i for i, row in enumerate(table.rows) if row.label in worst)
    return TableView(tuple(header), tuple(rows), flagged)


def _with_interval(
    value: float | None, interval: tuple[float | None, float | None] | None, sign: str
) -> str:
    """ "0.8123 [0.7400, 0.8800]" (sign "+": differences, signed); "—" when undefined."""
    if value is None:
        return "—"
    text = f"{value:{sign}.4f}"
    low, high = interval or (None, None)
    if low is None or high is None:
        return text
    return f"{text} [{low:{sign}.4f}, {high:{sign}.4f}]"


def versions_view(model: RegisteredModelInfo, lang: str, ui: str | None = None) -> TableView:
    """Versions, newest first: aliases, creation time, run (linked to the MLflow UI at ui),
    signature, description (text, never HTML)."""
    header = (
        t("ui.version", lang),
        t("ui.alias", lang),
        t("ui.created", lang),
        t("ui.run", lang),
        "signature",
        "description",
    )
    rows = tuple(
        (
            Cell(v.version),
            Cell(" ".join(f"@{a}" for a in v.aliases)),
            Cell(v.created.strftime("%Y-%m-%d %H:%M UTC")),
            run_cell(v.run_id, ui, lang),
            Cell("yes" if v.has_signature else "no"),
            Cell(v.description or ""),
        )
        for v in model.versions
    )
    return TableView(header, rows)


def run_cell(run_id: str | None, ui: str | None, lang: str) -> Cell:
    """The run id, linked to the run in the MLflow UI when its address is known."""
    if not run_id:
        return Cell("—")
    if ui is None or not ui.lower().startswith(("http://", "https://")):
        return Cell(run_id, tone="code")  # only a web address becomes a link (no javascript:)
    link = f"{without_credentials(ui)}/#/runs/{quote(run_id)}"
    return Cell(run_id[:12], f"{t('ui.open_run', lang)}: {run_id}", "code", link=link)


def agreement_view(
    agreement: Agreement, baseline: str, challenger: str, threshold: float | None, lang: str
) -> TableView:
    """Rows: the baseline right / wrong; columns: the challenger right / wrong; at threshold, or
    (None) of multiclass models' predicted classes."""
    a, right, wrong = agreement, "✓", "✗"
    only = t("ui.only_correct", lang, model=baseline), t("ui.only_correct", lang, model=challenger)
    rows = (
        (
            Cell(f"{baseline} {right}"),
            Cell(f"{a.both_correct:,}", t("ui.both_correct", lang)),
            Cell(f"{a.baseline_only:,}", only[0], "notable"),
        ),
        (
            Cell(f"{baseline} {wrong}"),
            Cell(f"{a.challenger_only:,}", only[1], "notable"),
            Cell(f"{a.both_wrong:,}", t("ui.both_wrong", lang)),
        ),
    )
    total = a.both_correct + a.baseline_only + a.challenger_only + a.both_wrong
    caption = (
        t("mc.ui.agreement_title", lang, rows=total)
        if threshold is None
        else t("ui.agreement_title", lang, threshold=f"{threshold:.2f}", rows=total)
    )
    header = ("", f"{challenger} {right}", f"{challenger} {wrong}")
    return TableView(header, rows, caption=caption, row_headings=True)


def gate_view(gate: GateCheck, lang: str) -> TableView:
    """Every rule of a gate with its outcome and reason; failed rules flagged."""
    rules = gate.verdict.rules
    rows = tuple(
        (
            Cell(rule.rule),
            Cell(t("act.pass", lang) if rule.passed else t("act.fail", lang)),
            Cell(rule.reason),
        )
        for rule in rules
    )
    flagged = frozenset(i for i, rule in enumerate(rules) if not rule.passed)
    return TableView(("", "", ""), rows, flagged)


CRITERIA = ("cost", "precision", "recall", "youden", "f1")


def operating_point(
    report: EvaluationReport,
    criterion: str,
    cost_fp: float | None,
    cost_fn: float | None,
    constraint: float | None,
) -> OperatingPoint:
    """The report's own operating point under the criterion (the finder's inputs as given)."""
    if criterion == "cost":
        return report.min_cost(float(cost_fp or 0.0), float(cost_fn or 0.0))
    if criterion == "precision":
        return report.max_recall_at_precision(float(constraint or 0.0))
    if criterion == "recall":
        return report.min_fpr_at_recall(float(constraint or 0.0))
    if criterion == "youden":
        return report.youden()
    return report.max_f1()


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def finder_view(
    reports: dict[str, EvaluationReport],
    criterion: str,
    costs: tuple[float | None, float | None],
    constraint: float | None,
    lang: str,
) -> TableView:
    """Each version (key of reports) at its own operating point: threshold, objective,
    precision, recall, false positive rate, FP and FN; an action (the version) moves the
    threshold there, when the point is finite."""
    header = (
        t("ui.model", lang),
        t("ui.op_threshold", lang),
        t("ui.op_objective", lang),
        metric_label("precision", lang),
        metric_label("recall", lang),
        "FPR",
        "FP",
        "FN",
        "",
    )
    rows: list[tuple[Cell, ...]] = []
    for version, report in reports.items():
        point = operating_point(report, criterion, costs[0], costs[1], constraint)
        if point.threshold is None or point.confusion is None:
            unmet = Cell(t("ui.op_unmet", lang), point.reason or None, span=8)
            rows.append((Cell(report.name), unmet))
            continue
        c, finite = point.confusion, not math.isinf(point.threshold)
        fpr = c.fp / (c.fp + c.tn) if c.fp + c.tn > 0 else None
        use = t("ui.use_threshold", lang, model=report.name)
        rows.append(
            (
                Cell(report.name),
                Cell(f"{point.threshold:.4f}" if finite else "∞"),
                Cell(_share(point.objective)),
                Cell(_share(point.metrics.get("precision"))),
                Cell(_share(point.metrics.get("recall"))),
                Cell(_share(fpr)),
                Cell(f"{c.fp:,.0f}"),
                Cell(f"{c.fn:,.0f}"),
                Cell(use, action=version, tone=None if finite else "disabled"),
            )
        )
    return TableView(header, tuple(rows))

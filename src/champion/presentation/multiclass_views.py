"""Tables of the multiclass pages (no Dash): every metric with its interval and each
challenger's paired difference, the per-class block with the class that loses most, and top-k
accuracy for every k. Each returns a ``TableView`` the dashboard draws like any other table."""

from __future__ import annotations

from champion.evaluation import MetricDelta
from champion.evaluation.multiclass import (
    MULTICLASS_METRIC_NAMES,
    DecisionTable,
    MulticlassComparison,
)
from champion.presentation.i18n import estimate_text, metric_label, t
from champion.presentation.multiclass_tables import delta_rows
from champion.presentation.table_views import TONES, Cell, TableView
from champion.presentation.tables import fmt_interval, fmt_number, fmt_p, mark


def _models_header(cmp: MulticlassComparison, lang: str) -> list[str]:
    return [
        f"{name} ({t('ui.baseline', lang)})" if name == cmp.baseline else name
        for name in cmp.models
    ]


def multiclass_metrics_view(cmp: MulticlassComparison, lang: str) -> TableView:
    """One row per metric: each model's value [CI], then each challenger's difference [CI] with
    its p-value (Holm-adjusted across challengers when there are several, which then decides
    the mark); undefined values say why on hover."""
    challengers = [name for name in cmp.models if name != cmp.baseline]
    header = [t("ui.metric", lang), *_models_header(cmp, lang)]
    header += [f"Δ {name}" for name in challengers]
    deltas = delta_rows(cmp)
    rows = []
    for i, spec_name in enumerate(MULTICLASS_METRIC_NAMES):
        cells = [Cell(metric_label(spec_name, lang))]
        for evaluation in cmp.models.values():
            estimate = evaluation.estimates.get(spec_name)
            value = None if estimate is None else estimate.value
            text = fmt_number(value)
            if estimate is not None and value is not None:
                text = f"{text} {fmt_interval(estimate.ci_low, estimate.ci_high)}"
            cells.append(Cell(text, evaluation.report.metric_notes.get(spec_name)))
        for name in challengers:
            d = deltas[name][i]
            p = d.p_holm or d.p_value
            text = f"{d.delta} {d.interval} ({p})".strip() if d.delta != "—" else d.delta
            cells.append(Cell(f"{text} {d.mark}".strip(), d.method, TONES.get(d.verdict)))
        rows.append(tuple(cells))
    caption = None
    if len(challengers) > 1:
        alpha = 1.0 - cmp.baseline_evaluation.confidence
        caption = t("ui.holm_caption", lang, n=len(challengers), alpha=f"{alpha:g}")
    return TableView(tuple(header), tuple(rows), caption=caption)


def class_view(cmp: MulticlassComparison, lang: str) -> TableView:
    """One row per class: its rows, each model's precision / recall / F1 / one-vs-rest AUC, and
    each challenger's F1 and AUC differences with p-values adjusted by Holm across the classes.
    The class a challenger loses most on (significantly worse after Holm) is flagged."""
    challengers = [name for name in cmp.models if name != cmp.baseline]
    header = [t("mc.ui.class", lang), t("mc.ui.rows", lang)]
    for name in cmp.models:
        header += [f"{name} P / R / F1", f"{name} AUC"]
    for name in challengers:
        header += [f"Δ F1 {name}", f"Δ AUC {name}"]
    base = cmp.baseline_evaluation.report
    alpha = 1.0 - cmp.baseline_evaluation.confidence
    flagged = set()
    rows = []
    for k, block in enumerate(base.per_class):
        cells = [Cell(str(block.label)), Cell(f"{block.rows:,}")]
        for evaluation in cmp.models.values():
            c = evaluation.report.per_class[k]
            prf = " / ".join(fmt_number(v, 3) for v in (c.precision, c.recall, c.f1))
            cells += [Cell(prf), Cell(fmt_number(c.roc_auc, 3), c.notes.get("roc_auc"))]
        for name in challengers:
            for metric in ("f1", "roc_auc"):
                block_deltas = cmp.comparisons[name].per_class[metric]
                d, p = block_deltas.deltas[k], block_deltas.p_holm[k]
                if metric == "f1" and block_deltas.worst == block.label:
                    flagged.add(k)
                cells.append(_class_delta_cell(d, p, alpha, lang))
        rows.append(tuple(cells))
    return TableView(
        tuple(header), tuple(rows), frozenset(flagged), caption=t("mc.ui.class_caption", lang)
    )


def _class_delta_cell(d: MetricDelta, p_holm: float | None, alpha: float, lang: str) -> Cell:
    """A per-class difference: marked only when significant after Holm across the classes."""
    if d.delta is None:
        return Cell("—")
    text = estimate_text(d.delta, d.ci_low, d.ci_high, 3, signed=True)
    verdict = d.verdict
    if p_holm is None:
        return Cell(text)
    significant = p_holm < alpha and verdict in TONES
    hint = t("ui.holm_reason", lang, p=fmt_p(p_holm))
    shown = f"{text} ({fmt_p(p_holm)}) {mark(verdict) if significant else ''}".strip()
    return Cell(shown, hint, TONES.get(verdict) if significant else None)


def worst_class_lines(
    cmp: MulticlassComparison, lang: str, baseline: str | None = None
) -> list[str]:
    """For each challenger: the class it loses most F1 on (significant after Holm across the
    classes), or that no class is significantly worse; the baseline named baseline ("champion
    (version 1)"; default: its name in cmp)."""
    base = baseline or cmp.baseline
    lines = []
    for name, comparison in cmp.comparisons.items():
        block = comparison.per_class["f1"]
        if block.worst is None:
            lines.append(t("mc.ui.no_worst_class", lang, model=name, baseline=base))
            continue
        k = block.labels.index(block.worst)
        d, p = block.deltas[k], block.p_holm[k]
        lines.append(
            t(
                "mc.ui.worst_class",
                lang,
                model=name,
                baseline=base,
                label=str(block.worst),
                delta=fmt_number(d.delta, 3, signed=True),
                p=fmt_p(p),
            )
        )
    return lines


def decision_view(table: DecisionTable, lang: str) -> TableView:
    """One row per k: each model's top-k accuracy [CI], each challenger's paired difference [CI]
    with McNemar's p (marked when below 1 - confidence)."""
    models = list(table.rows[0].values) if table.rows else []
    challengers = [m for m in models if m != table.baseline]
    header = [t("mc.ui.k", lang), *models, *(f"Δ {name}" for name in challengers)]
    alpha = 1.0 - table.confidence
    rows = []
    for row in table.rows:
        label = t("mc.ui.top1", lang) if row.k == 1 else t("mc.ui.topk", lang, k=row.k)
        cells = [Cell(label)]
        for name in models:
            low, high = row.intervals[name]
            cells.append(Cell(f"{fmt_number(row.values[name])} {fmt_interval(low, high)}"))
        for name in challengers:
            delta, (low, high), p = row.deltas[name], row.delta_intervals[name], row.p_values[name]
            verdict = "no significant difference"
            if p is not None and p < alpha:
                verdict = "better" if delta > 0 else "worse"
            text = f"{fmt_number(delta, signed=True)} {fmt_interval(low, high, signed=True)}"
            text = f"{text} ({fmt_p(p) if p is not None else '—'}) {mark(verdict)}".strip()
            cells.append(Cell(text, "McNemar", TONES.get(verdict)))
        rows.append(tuple(cells))
    return TableView(tuple(header), tuple(rows), caption=t("mc.ui.decision_caption", lang))

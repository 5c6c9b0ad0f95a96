"""Matched operating points as display data: the finder's inputs read as a criterion, and each
version at its own threshold with its quantity, interval and paired difference as a table."""

from __future__ import annotations

import math

from champion.evaluation.criteria import Criterion
from champion.evaluation.operating import MatchedPoint, MatchedPoints, PointDifference
from champion.presentation.i18n import estimate_text, metric_label, t
from champion.presentation.table_views import TONES, Cell, TableView
from champion.presentation.tables import fmt_percent

# the finder's choices (table_views.CRITERIA) -> the engine's criteria
FINDER_CRITERIA = {
    "cost": "min_cost",
    "precision": "recall_at_precision",
    "recall": "fpr_at_recall",
    "youden": "youden",
    "f1": "max_f1",
}


def criterion_of(
    choice: str, costs: tuple[float | None, float | None], constraint: float | None
) -> Criterion:
    """The finder's inputs as a Criterion (an empty input counts 0, as in the finder's own
    table); DataError for values the criterion refuses (negative costs, a level above 1)."""
    name = FINDER_CRITERIA.get(choice, "max_f1")
    if name == "min_cost":
        return Criterion(name, cost_fp=float(costs[0] or 0.0), cost_fn=float(costs[1] or 0.0))
    if name in ("recall_at_precision", "fpr_at_recall"):
        return Criterion(name, level=float(constraint or 0.0))
    return Criterion(name)


def quantity_label(quantity: str, lang: str) -> str:
    """ "mean_cost" -> "Mean cost per row", "fpr" -> "False positive rate", "f1" -> "F1"."""
    if quantity in ("mean_cost", "youden_j"):
        return t(f"ui.q_{quantity}", lang)
    return t("axis.fpr", lang) if quantity == "fpr" else metric_label(quantity, lang)


def matched_title(points: MatchedPoints, lang: str) -> str:
    """ "Each version at its own threshold: F1 with its 95% interval"."""
    quantity = quantity_label(points.criterion.quantity, lang)
    return t("ui.op_matched", lang, quantity=quantity, level=fmt_percent(points.confidence))


def matched_note(points: MatchedPoints, lang: str) -> str:
    """Where the thresholds were chosen: the same rows (optimistic, said so) or a holdout."""
    if points.optimistic:
        return t("ui.op_optimistic", lang, rows=f"{points.report_rows:,}")
    choose, report = f"{points.choose_rows:,}", f"{points.report_rows:,}"
    return t("ui.op_held_out", lang, choose=choose, report=report)


def _threshold_cell(point: MatchedPoint, rows: int, lang: str) -> Cell:
    threshold = point.threshold
    if threshold is None:
        return Cell(t("ui.op_unmet", lang), point.chosen.reason)
    text = "∞" if math.isinf(threshold) else f"{threshold:.4f}"
    return Cell(text, t("ui.op_chosen_on", lang, rows=f"{rows:,}"))


def _p_text(p_value: float | None) -> str:
    if p_value is None:
        return "—"
    return "< 0.001" if p_value < 0.001 else f"{p_value:.3f}"


def _difference_cells(d: PointDifference | None, lang: str) -> tuple[Cell, Cell]:
    """Δ [interval] (toned by its verdict) and p; the baseline's own row says it is the
    baseline."""
    if d is None:
        return Cell(t("ui.baseline", lang)), Cell("")
    text = estimate_text(d.delta, d.ci_low, d.ci_high, digits=4, signed=True)
    return Cell(text, d.reason, TONES.get(d.verdict)), Cell(_p_text(d.p_value), d.reason)


def matched_view(points: MatchedPoints, lang: str) -> TableView:
    """Version, threshold (chosen on the choose rows), the quantity [interval] on the report
    rows, the constraint's metric reached (recall at precision, FPR at recall), the paired
    difference to the baseline [interval] and its p-value; the caption says where the
    thresholds were chosen (and that the same rows are optimistic)."""
    level = fmt_percent(points.confidence)
    reached = points.criterion.reached
    header = [t("ui.model", lang), t("ui.op_threshold", lang)]
    header.append(f"{quantity_label(points.criterion.quantity, lang)} [{level}]")
    if reached is not None:
        header.append(t("ui.op_reached", lang, metric=metric_label(reached, lang)))
    header += [t("ui.op_delta", lang, baseline=points.baseline, level=level), "p"]
    rows = []
    for name, point in points.points.items():
        q = point.quantity
        cells = [Cell(name), _threshold_cell(point, points.choose_rows, lang)]
        cells.append(Cell(estimate_text(q.value, q.ci_low, q.ci_high, digits=4), q.reason))
        if reached is not None:
            r = point.reached
            cells.append(Cell("—" if r is None else estimate_text(r.value, digits=4)))
        cells += _difference_cells(points.differences.get(name), lang)
        rows.append(tuple(cells))
    return TableView(tuple(header), tuple(rows), caption=matched_note(points, lang))

"""The sections of an HTML decision record particular to three or more classes: every
multiclass metric with its interval, the classes (per-class table, F1 by class, each model's
confusion matrix and its change from the baseline's), and the macro-averaged one-vs-rest curves.
"""

from __future__ import annotations

from collections.abc import Iterator

from champion.evaluation.multiclass import MulticlassComparison
from champion.presentation import t
from champion.presentation.figures_multiclass import (
    confusion_difference_figure,
    confusion_figure,
)
from champion.presentation.figures_multiclass_bars import multiclass_metrics_bar, per_class_figure
from champion.presentation.figures_multiclass_curves import (
    class_curve_figure,
    class_curve_scores,
)
from champion.presentation.multiclass_views import class_view, multiclass_metrics_view
from champion.reports.html_parts import Figures, esc, section, view_table
from champion.reports.record import DecisionRecord


def _metrics(cmp: MulticlassComparison, lang: str, figure: Figures) -> Iterator[str]:
    level = f"{cmp.baseline_evaluation.confidence * 100:g}%"
    k = len(cmp.baseline_evaluation.report.classes)
    yield f'<p class="muted">{esc(t("report.metrics_caption", lang, level=level))}</p>'
    yield f'<p class="muted">{esc(t("report.decision_mc", lang, k=k))}</p>'
    yield view_table(multiclass_metrics_view(cmp, lang))
    yield figure(multiclass_metrics_bar(cmp, lang), "metrics")


def _classes(cmp: MulticlassComparison, lang: str, figure: Figures) -> Iterator[str]:
    yield view_table(class_view(cmp, lang))
    yield figure(per_class_figure(cmp, "f1", lang), "per-class-f1")
    yield '<div class="grid">'
    for name, evaluation in cmp.models.items():
        yield figure(confusion_figure(evaluation.report, lang), f"confusion {name}")
    base = cmp.baseline_evaluation.report
    for name in cmp.comparisons:
        change = confusion_difference_figure(base, cmp.models[name].report, lang)
        yield figure(change, f"confusion change {name}")
    yield "</div>"


def _curves(
    record: DecisionRecord, cmp: MulticlassComparison, lang: str, figure: Figures
) -> Iterator[str]:
    curves = {name: dict(found) for name, found in (record.curves or {}).items()}
    if not curves:
        return
    yield '<div class="grid">'
    for kind in ("roc", "pr"):
        scores = class_curve_scores(cmp, kind, None)
        yield figure(class_curve_figure(kind, curves, None, lang, scores), f"{kind} macro")
    yield "</div>"


def multiclass_sections(record: DecisionRecord, lang: str, figure: Figures) -> list[str]:
    """Metrics, Classes and Curves of a multiclass record."""
    cmp = record.comparison
    if not isinstance(cmp, MulticlassComparison):
        raise TypeError("multiclass_sections draws a MulticlassComparison")
    sections = [
        section(t("report.metrics", lang), *_metrics(cmp, lang, figure), ident="metrics"),
        section(t("report.classes", lang), *_classes(cmp, lang, figure), ident="classes"),
    ]
    drawn = list(_curves(record, cmp, lang, figure))
    if drawn:
        sections.append(section(t("report.curves", lang), *drawn, ident="curves"))
    return sections

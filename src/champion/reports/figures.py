"""The figures of a decision record by name, as plotly figures, for logging them to MLflow
(``evaluate --log``, ``report --log``): the same builders and arguments as the HTML record.

Two classes: "metrics" (the metrics bar), "roc", "pr", "calibration", "gain", every model
overlaid. Three or more: "metrics", "per-class-f1", each model's confusion matrix ("confusion"
for a record of one model, else "confusion-<model>") and each challenger's change from the
baseline's ("confusion-change-<model>"), and the macro one-vs-rest "roc-macro" and "pr-macro"
when the record has the models' curves. <model> is the model's label made safe for a file name
(``file_name``). User texts in the figures are inert as in the HTML (``inert_texts``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from champion.evaluation import Comparison
from champion.evaluation.multiclass import MulticlassComparison
from champion.reports.html_parts import inert_texts
from champion.reports.record import DecisionRecord

if TYPE_CHECKING:
    from plotly.graph_objects import Figure

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_name(label: str) -> str:
    """label as a file name's part: models:/penguins/2 -> penguins-2 (letters, digits, . _ -)."""
    name = _UNSAFE.sub("-", label.removeprefix("models:/")).strip("-.")
    return name or "model"


def model_names(labels: Iterable[str]) -> dict[str, str]:
    """Each label's file_name, made unique by a number (-2, -3, ...) where two would meet."""
    names: dict[str, str] = {}
    for label in labels:
        base, n = file_name(label), 1
        name = base
        while name in names.values():
            n += 1
            name = f"{base}-{n}"
        names[label] = name
    return names


def _binary(cmp: Comparison, lang: str) -> dict[str, Figure]:
    from champion.presentation import (
        calibration_figure,
        gain_figure,
        metrics_bar,
        pr_figure,
        roc_figure,
    )

    reports, cut = cmp.models, cmp.baseline_report.threshold
    return {
        "metrics": metrics_bar(cmp, lang=lang),
        "roc": roc_figure(reports, cut, lang),
        "pr": pr_figure(reports, cut, lang),
        "calibration": calibration_figure(reports, lang),
        "gain": gain_figure(reports, cut, lang),
    }


def _multiclass(record: DecisionRecord, cmp: MulticlassComparison, lang: str) -> dict[str, Figure]:
    from champion.presentation.figures_multiclass import (
        confusion_difference_figure,
        confusion_figure,
    )
    from champion.presentation.figures_multiclass_bars import (
        multiclass_metrics_bar,
        per_class_figure,
    )
    from champion.presentation.figures_multiclass_curves import (
        class_curve_figure,
        class_curve_scores,
    )

    figures = {
        "metrics": multiclass_metrics_bar(cmp, lang),
        "per-class-f1": per_class_figure(cmp, "f1", lang),
    }
    names = model_names(cmp.models)
    single = len(cmp.models) == 1
    for label, evaluation in cmp.models.items():
        name = "confusion" if single else f"confusion-{names[label]}"
        figures[name] = confusion_figure(evaluation.report, lang)
    base = cmp.baseline_evaluation.report
    for label in cmp.comparisons:
        change = confusion_difference_figure(base, cmp.models[label].report, lang)
        figures[f"confusion-change-{names[label]}"] = change
    curves = {label: dict(found) for label, found in (record.curves or {}).items()}
    if curves:
        for kind in ("roc", "pr"):
            scores = class_curve_scores(cmp, kind, None)
            figures[f"{kind}-macro"] = class_curve_figure(kind, curves, None, lang, scores)
    return figures


def record_figures(record: DecisionRecord, lang: str = "en") -> dict[str, Figure]:
    """The record's figures by name (see the module's docstring), in lang."""
    from champion.reports.html import user_texts

    cmp = record.comparison
    figures = (
        _multiclass(record, cmp, lang)
        if isinstance(cmp, MulticlassComparison)
        else _binary(cmp, lang)
    )
    texts = [s for s in user_texts(record) if any(ch in s for ch in "<>&")]
    if not texts:
        return figures
    from plotly.graph_objects import Figure

    return {name: Figure(inert_texts(fig.to_plotly_json(), texts)) for name, fig in figures.items()}

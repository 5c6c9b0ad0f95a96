"""Plotly figures of evaluation results, for the dashboard and reports (no Dash here).

Every function takes results (EvaluationReport mappings, a Comparison, a Confusion, ...), a
language ("en" / "ja") and optional {model: colour}, and returns a
``plotly.graph_objects.Figure`` with champion's template (see ``theme``). ROC, PR, calibration,
gain and lift live in ``figures_curves``; the metrics bar chart, metrics by threshold, the
confusion matrix and the registry trend in ``figures_metrics``; this module gathers them.
"""

from champion.presentation.figures_curves import (
    calibration_figure,
    gain_figure,
    pr_figure,
    roc_figure,
)
from champion.presentation.figures_metrics import (
    DEFAULT_BAR_METRICS,
    metrics_bar,
    threshold_line,
    threshold_metrics_figure,
    trend_figure,
)

__all__ = [
    "DEFAULT_BAR_METRICS",
    "calibration_figure",
    "gain_figure",
    "metrics_bar",
    "pr_figure",
    "roc_figure",
    "threshold_line",
    "threshold_metrics_figure",
    "trend_figure",
]

"""Results as display data: rows of strings and markdown (tables), texts in English and Japanese
(i18n), and plotly figures (figures, theme). No click, rich or dash here.

The names below load on first use (PEP 562): tables and texts need no plotly, so only drawing a
figure imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from champion.lazy import lazy_names

if TYPE_CHECKING:
    from champion.presentation.figures import (
        DEFAULT_BAR_METRICS,
        calibration_figure,
        gain_figure,
        metrics_bar,
        pr_figure,
        roc_figure,
        threshold_line,
        threshold_metrics_figure,
        trend_figure,
    )
    from champion.presentation.i18n import (
        LANGUAGES,
        TEXTS,
        estimate_text,
        metric_label,
        t,
        verdict_sentence,
        verdict_word,
    )
    from champion.presentation.tables import (
        AgreementRow,
        DeltaRow,
        MetricCell,
        MetricRow,
        Summary,
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
    from champion.presentation.theme import PALETTE, TEMPLATE, model_colour, model_colours

__all__ = [
    "DEFAULT_BAR_METRICS",
    "LANGUAGES",
    "PALETTE",
    "TEMPLATE",
    "TEXTS",
    "AgreementRow",
    "DeltaRow",
    "MetricCell",
    "MetricRow",
    "Summary",
    "agreement_rows",
    "badge",
    "calibration_figure",
    "comparison_markdown",
    "delta_rows",
    "estimate_text",
    "fmt_interval",
    "fmt_number",
    "fmt_p",
    "fmt_percent",
    "gain_figure",
    "mark",
    "metric_label",
    "metric_rows",
    "metrics_bar",
    "model_colour",
    "model_colours",
    "notes",
    "pr_figure",
    "roc_figure",
    "summary",
    "t",
    "threshold_line",
    "threshold_metrics_figure",
    "trend_figure",
    "verdict_sentence",
    "verdict_word",
]

# public name -> the submodule that defines it
_LAZY = {
    **dict.fromkeys(
        (
            "DEFAULT_BAR_METRICS",
            "calibration_figure",
            "gain_figure",
            "metrics_bar",
            "pr_figure",
            "roc_figure",
            "threshold_line",
            "threshold_metrics_figure",
            "trend_figure",
        ),
        "figures",
    ),
    **dict.fromkeys(
        (
            "LANGUAGES",
            "TEXTS",
            "estimate_text",
            "metric_label",
            "t",
            "verdict_sentence",
            "verdict_word",
        ),
        "i18n",
    ),
    **dict.fromkeys(
        (
            "AgreementRow",
            "DeltaRow",
            "MetricCell",
            "MetricRow",
            "Summary",
            "agreement_rows",
            "badge",
            "comparison_markdown",
            "delta_rows",
            "fmt_interval",
            "fmt_number",
            "fmt_p",
            "fmt_percent",
            "mark",
            "metric_rows",
            "notes",
            "summary",
        ),
        "tables",
    ),
    **dict.fromkeys(("PALETTE", "TEMPLATE", "model_colour", "model_colours"), "theme"),
}


if not TYPE_CHECKING:  # mypy reads the imports above, so it still flags unknown names
    __getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())

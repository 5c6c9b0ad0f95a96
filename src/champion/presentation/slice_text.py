"""The sentences that say where each challenger loses most on the slices of a column, for the
dashboard's Slices page and the decision record alike."""

from __future__ import annotations

from champion.evaluation import SliceTable
from champion.evaluation.slices import MIN_SLICE_CLASS, MIN_SLICE_ROWS
from champion.presentation.i18n import metric_label, t


def slice_sentences(table: SliceTable, lang: str) -> list[str]:
    """One sentence per challenger: the slice where it is significantly worse by the most, or
    that no slice is (after Holm's adjustment across the slices judged), with the rule that
    decides which slices are judged (multiclass slices: by rows only)."""
    lines = []
    metric = metric_label(table.metric, lang)
    for name, worst in table.worst.items():
        if worst.label is None or worst.delta is None:
            key = "mc.ui.no_loss" if table.multiclass else "ui.no_loss"
            lines.append(
                t(key, lang, model=name, baseline=table.baseline, metric=metric,
                  judged=worst.judged, min_rows=MIN_SLICE_ROWS, min_class=MIN_SLICE_CLASS)
            )  # fmt: skip
            continue
        rows = next(row.n for row in table.rows if row.label == worst.label)
        p = "—" if worst.p_holm is None else f"{worst.p_holm:.3g}"
        lines.append(
            t("ui.loses_most", lang, model=name, slice=worst.label, metric=metric,
              delta=f"{worst.delta:+.4f}", rows=rows, p=p, judged=worst.judged)
        )  # fmt: skip
    return lines

"""Tables as display data: a header and rows of cells (text, a hover hint, a tone), drawn by any
UI with one table component (the dashboard's ``components.data_table``)."""

from __future__ import annotations

from dataclasses import dataclass

from champion.evaluation import Comparison, SliceTable
from champion.presentation.i18n import metric_label, t
from champion.presentation.tables import delta_rows, fmt_number, metric_rows

TONES = {"better": "better", "worse": "worse"}  # a delta's verdict -> the tone of its cell


@dataclass(frozen=True)
class Cell:
    """One cell: its text, a hint shown on hover (None: none), a tone ("better", "worse" or
    None)."""

    text: str
    hint: str | None = None
    tone: str | None = None


@dataclass(frozen=True)
class TableView:
    """A header (k,) and rows of k cells; flagged rows (by index) are marked."""

    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    flagged: frozenset[int] = frozenset()


def metrics_view(cmp: Comparison, lang: str) -> TableView:
    """One row per metric: each model's value [CI], then each challenger's difference."""
    challengers = [name for name in cmp.models if name != cmp.baseline]
    header = [t("ui.metric", lang)] + [
        f"{name} ({t('ui.baseline', lang)})" if name == cmp.baseline else name
        for name in cmp.models
    ]
    header += [f"Δ {name}" for name in challengers]
    deltas = delta_rows(cmp)
    rows = []
    for i, row in enumerate(metric_rows(cmp)):
        cells = [Cell(metric_label(row.metric, lang))]
        cells += [Cell(cell.text, cell.note or None) for cell in row.cells]
        for name in challengers:
            d = deltas[name][i]
            cells.append(Cell(d.text, d.reason, TONES.get(d.verdict)))
        rows.append(tuple(cells))
    return TableView(tuple(header), tuple(rows))


def slices_view(table: SliceTable, lang: str) -> TableView:
    """Slice, rows, positives, each model's value, each challenger's difference; the slice
    where a challenger loses most is flagged."""
    models = list(table.rows[0].values) if table.rows else []
    challengers = [m for m in models if m != table.baseline]
    worst = {w.label for w in table.worst.values() if w.label is not None}
    header = [t("ui.slice", lang), t("ui.rows", lang), t("ui.positives", lang), *models]
    header += [f"Δ {name}" for name in challengers]
    rows = []
    for row in table.rows:
        cells = [Cell(row.label, row.label), Cell(f"{row.n:,}"), Cell(f"{row.positives:,}")]
        cells += [Cell(fmt_number(row.values[m])) for m in models]
        for name in challengers:
            delta = row.deltas[name]
            cells.append(Cell("—" if delta is None else f"{delta:+.4f}"))
        rows.append(tuple(cells))
    flagged = frozenset(i for i, row in enumerate(table.rows) if row.label in worst)
    return TableView(tuple(header), tuple(rows), flagged)

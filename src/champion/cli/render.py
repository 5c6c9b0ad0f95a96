"""Rich renderings of results for the terminal (the only module besides main.py using rich).

Numbers are never cut short: columns fold rather than end in "…", narrow terminals get the
metric cells on two lines (value, then interval) and the deltas without the test column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from champion.evaluation import Comparison
from champion.presentation import (
    agreement_rows,
    delta_rows,
    fmt_percent,
    metric_rows,
    notes,
    summary,
)

_STYLES = {"better": "green", "worse": "red"}
_METRIC_WIDTH = 21  # "Balanced accuracy" plus borders and padding
_CELL_WIDTH = 26  # "0.7552 [0.6787, 0.8184]" plus border and padding
_DELTA_WITH_TEST = 88  # the deltas table with its "test" column


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", expand=False)


def _bare_p(text: str) -> str:
    """ "p = 0.034" -> "0.034", "p < 0.001" -> "< 0.001" (the column header says p-value)."""
    return text.removeprefix("p = ").removeprefix("p ")


def metrics_table(cmp: Comparison, width: int) -> Table:
    s = summary(cmp)
    stacked = _METRIC_WIDTH + _CELL_WIDTH * len(s.models) > width
    table = _table(f"Metrics: value [{fmt_percent(s.confidence)} CI]")
    table.add_column("Metric", overflow="fold")
    for name in s.models:
        header = f"{name} (baseline)" if name == s.baseline else name
        table.add_column(header, justify="right", overflow="fold")
    for row in metric_rows(cmp):
        cells = [
            f"{c.value}\n{c.interval}" if stacked and c.interval else c.text for c in row.cells
        ]
        table.add_row(row.label, *cells)
    return table


def delta_tables(cmp: Comparison, width: int) -> list[Table]:
    s = summary(cmp)
    level = fmt_percent(s.confidence)
    with_test = width >= _DELTA_WITH_TEST
    tables = []
    for name, rows in delta_rows(cmp).items():
        table = _table(f"{name} − {s.baseline}: paired difference")
        table.add_column("Metric", overflow="fold")
        table.add_column("Δ", justify="right", overflow="fold")
        table.add_column(f"{level} CI", justify="right", overflow="fold")
        table.add_column("p-value", justify="right", overflow="fold")
        if with_test:
            table.add_column("test", overflow="fold")
        table.add_column("verdict", overflow="fold")
        for d in rows:
            verdict = Text(d.badge, style=_STYLES.get(d.verdict, "dim"))
            cells: list[str | Text] = [d.label, d.delta, d.interval, _bare_p(d.p_value)]
            if with_test:
                cells.append(d.method)
            table.add_row(*cells, verdict)
        table.caption = (
            f"▲ / ▼: significantly better / worse at p < {1 - s.confidence:.3g}; "
            "n.s.: no significant difference"
        )
        table.caption_justify = "left"
        tables.append(table)
    return tables


def agreement_table(cmp: Comparison) -> Table | None:
    rows = agreement_rows(cmp)
    if not rows:
        return None
    s = summary(cmp)
    table = _table(f"Agreement at threshold {s.threshold:g} (rows)")
    table.add_column("Challenger", overflow="fold")
    for header in ("both right", f"only {s.baseline}", "only challenger", "both wrong"):
        table.add_column(header, justify="right", overflow="fold")
    table.add_column("McNemar", justify="right", overflow="fold")
    for a in rows:
        counts = (a.both_correct, a.baseline_only, a.challenger_only, a.both_wrong)
        table.add_row(a.challenger, *(str(c) for c in counts), a.mcnemar)
    return table


def comparison_renderable(cmp: Comparison, width: int = 100) -> Group:
    """Header lines, metrics (value [CI] per model), a deltas table per challenger, the
    agreement table and the notes, laid out for a terminal of the given width."""
    parts: list[Text | Table] = [Text(line, style="bold") for line in summary(cmp).lines()]
    parts += [Text(""), metrics_table(cmp, width)]
    for table in delta_tables(cmp, width):
        parts += [Text(""), table]
    agreement = agreement_table(cmp)
    if agreement is not None:
        parts += [Text(""), agreement]
    remarks = notes(cmp)
    if remarks:
        parts += [Text(""), Text("Notes", style="bold")]
        parts += [Text(f"- {remark}") for remark in remarks]
    return Group(*parts)


def print_comparison(cmp: Comparison, console: Console) -> None:
    console.print(comparison_renderable(cmp, console.width))


def print_scored(scored: Mapping[str, Any], dataset: Mapping[str, Any], console: Console) -> None:
    """Which test set, and for each model whether its scores came from the cache."""
    recipe = f", recipe {dataset['recipe']}" if dataset.get("recipe") else ""
    console.print(
        Text(
            f"test set {dataset['source']}{recipe}: {dataset['rows']} rows, "
            f"fingerprint {str(dataset['fingerprint'])[:12]}",
            style="bold",
        )
    )
    table = _table("Models")
    for header in ("model", "version", "scores", "note"):
        table.add_column(header, overflow="fold")
    for uri, s in scored.items():
        version = f"{s.resolved.name} v{s.resolved.version}" if s.resolved.version else "—"
        source = "cache" if s.from_cache else "scored now"
        table.add_row(uri, version, f"{s.kind} ({source})", s.note or "")
    console.print(table)
    console.print()

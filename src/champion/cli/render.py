"""Rich renderings of results for the terminal.

Nothing is cut short and no phrase is split, whatever the terminal's width. Headings, titles,
captions and list items are Phrases: a line breaks between phrases, never inside one ("recipe
titanic" stays whole), and a path too long for the line starts a line of its own and folds
there. A table is drawn only in a layout that fits the width unwrapped (the metrics with value
and interval side by side, else stacked; the deltas with their test column, else without);
when none does, the same content is printed as one list item per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
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
_UNBOUNDED = 10_000  # a width to measure what a table takes unwrapped
_INDENT = "  "  # continuation lines of a list item


class Phrases:
    """Phrases joined by sep, wrapped only between phrases: a line that cannot take the next
    phrase ends there (without the separator) and the phrase starts the next line, after indent.
    Only a phrase wider than the whole line is broken: at its spaces, or folded (a long path),
    never ending in "…". Empty phrases are left out."""

    def __init__(
        self, phrases: Iterable[str | Text], sep: str = " ", style: str = "", indent: str = ""
    ) -> None:
        self.phrases = [p if isinstance(p, Text) else Text(p) for p in phrases if p]
        self.sep = sep
        self.style = style
        self.indent = indent

    def __str__(self) -> str:
        return self.sep.join(p.plain for p in self.phrases)

    def lines(self, width: int) -> list[Text]:
        """The phrases laid out on lines at most width cells wide (but for a phrase wider)."""
        lines: list[Text] = []
        line: Text | None = None
        gap = cell_len(self.sep)
        for phrase in self.phrases:
            if line is not None and line.cell_len + gap + phrase.cell_len > width:
                lines.append(line)
                line = None
            if line is None:
                line = Text(self.indent if lines else "", style=self.style)
            else:
                line.append(self.sep)
            line.append_text(phrase)
        if line is not None:
            lines.append(line)
        return lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        text = Text("\n", style=self.style).join(self.lines(options.max_width))
        text.overflow = "fold"
        yield text

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max((p.cell_len for p in self.phrases), default=0)
        return Measurement(widest, cell_len(str(self))).clamp(max_width=options.max_width)


def _item(first: str, *phrases: str | Text) -> Phrases:
    """A list item: "- first" and the phrases, continuation lines indented."""
    return Phrases([f"- {first}", *phrases], indent=_INDENT)


def _title(*phrases: str) -> Phrases:
    return Phrases(phrases, style="table.title")


def _table() -> Table:
    return Table(expand=False)


def natural_width(table: Table, console: Console, options: ConsoleOptions) -> int:
    """The cells table takes with no cell wrapped."""
    return Measurement.get(console, options.update_width(_UNBOUNDED), table).maximum


class Fitted:
    """A title, then the first of the tables that fits the width it is given without wrapping
    a cell, else the items (one per row), then the caption. Title and caption wrap at that
    width, not the table's, and between phrases (rich's own table titles break between words).
    """

    def __init__(
        self,
        title: Phrases,
        tables: Sequence[Table],
        items: Sequence[Phrases],
        caption: Phrases | None = None,
    ) -> None:
        self.title = title
        self.tables = tables
        self.items = items
        self.caption = caption

    def chosen(self, console: Console, options: ConsoleOptions) -> Table | None:
        """The table drawn at options.max_width, or None for the items."""
        for table in self.tables:
            if natural_width(table, console, options) <= options.max_width:
                return table
        return None

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.title
        table = self.chosen(console, options)
        if table is not None:
            yield table
        else:
            yield from self.items
        if self.caption is not None:
            yield self.caption


def _bare_p(text: str) -> str:
    """ "p = 0.034" -> "0.034", "p < 0.001" -> "< 0.001" (the column header says p-value)."""
    return text.removeprefix("p = ").removeprefix("p ")


def metrics_table(cmp: Comparison) -> Fitted:
    """Value [CI] of each metric (rows) for each model (columns); at narrower widths the value
    above its interval, then one item per metric."""
    s = summary(cmp)
    rows = metric_rows(cmp)
    tables = []
    for stacked in (False, True):
        table = _table()
        table.add_column("Metric", overflow="fold")
        for name in s.models:
            header = Phrases([name, "(baseline)"]) if name == s.baseline else name
            table.add_column(header, justify="right", overflow="fold")
        for row in rows:
            cells = [
                f"{c.value}\n{c.interval}" if stacked and c.interval else c.text for c in row.cells
            ]
            table.add_row(row.label, *cells)
        tables.append(table)
    items = []
    for row in rows:
        values = [f"{c.model} {c.text}" for c in row.cells]
        items.append(_item(f"{row.label}:", *(f"{v}," for v in values[:-1]), values[-1]))
    title = _title("Metrics:", f"value [{fmt_percent(s.confidence)} CI]")
    return Fitted(title, tables, items)


def _delta_caption(cmp: Comparison) -> Phrases:
    """What the marks mean; with several challengers, that they follow Holm's adjustment."""
    alpha = f"{1 - summary(cmp).confidence:.3g}"
    family = len(cmp.comparisons)
    phrases = ["▲ / ▼: significantly better / worse", f"at p < {alpha};"]
    if family > 1:
        phrases = [
            "▲ / ▼: significantly better / worse",
            f"at a Holm-adjusted p < {alpha}",
            f"(across the {family} challengers, for each metric);",
        ]
    return Phrases([*phrases, "n.s.: no significant difference"], style="table.caption")


def delta_tables(cmp: Comparison) -> list[Fitted]:
    """For each challenger, the paired difference to the baseline of each metric: delta, CI,
    p-value, the Holm-adjusted p-value with several challengers, test (when it fits) and
    verdict."""
    s = summary(cmp)
    level = fmt_percent(s.confidence)
    adjusted = len(cmp.comparisons) > 1
    found = []
    for name, rows in delta_rows(cmp).items():
        tables = []
        for with_test in (True, False):
            table = _table()
            table.add_column("Metric", overflow="fold")
            table.add_column("Δ", justify="right", overflow="fold")
            table.add_column(f"{level} CI", justify="right", overflow="fold")
            table.add_column("p-value", justify="right", overflow="fold")
            if adjusted:
                table.add_column("p (Holm)", justify="right", overflow="fold")
            if with_test:
                table.add_column("test", overflow="fold")
            table.add_column("verdict", overflow="fold")
            for d in rows:
                verdict = Text(d.badge, style=_STYLES.get(d.verdict, "dim"))
                cells: list[str | Text] = [d.label, d.delta, d.interval, _bare_p(d.p_value)]
                if adjusted:
                    cells.append(_bare_p(d.p_holm))
                if with_test:
                    cells.append(d.method)
                table.add_row(*cells, verdict)
            tables.append(table)
        items = [
            _item(
                f"{d.label}:",
                f"Δ {d.delta}",
                f"{d.interval}," if d.interval else "",
                f"{d.p_value},",
                f"Holm {d.p_holm}," if adjusted else "",
                Text(d.badge, style=_STYLES.get(d.verdict, "dim")),
            )
            for d in rows
        ]
        title = _title(f"{name} − {s.baseline}:", "paired difference")
        found.append(Fitted(title, tables, items, _delta_caption(cmp)))
    return found


def agreement_table(cmp: Comparison) -> Fitted | None:
    """For each challenger, the rows both models get right, only one of them, neither, and
    McNemar's test."""
    rows = agreement_rows(cmp)
    if not rows:
        return None
    s = summary(cmp)
    headers = ("both right", f"only {s.baseline}", "only challenger", "both wrong")
    table = _table()
    table.add_column("Challenger", overflow="fold")
    for header in headers:
        table.add_column(header, justify="right", overflow="fold")
    table.add_column("McNemar", justify="right", overflow="fold")
    items = []
    for a in rows:
        counts = (a.both_correct, a.baseline_only, a.challenger_only, a.both_wrong)
        table.add_row(a.challenger, *(str(c) for c in counts), a.mcnemar)
        pairs = [f"{header} {count}," for header, count in zip(headers, counts, strict=True)]
        items.append(_item(f"{a.challenger}:", *pairs, f"McNemar {a.mcnemar}"))
    title = _title("Agreement", f"at threshold {s.threshold:g}", "(rows)")
    return Fitted(title, [table], items)


def comparison_renderable(cmp: Comparison) -> Group:
    """Header lines, metrics (value [CI] per model), a deltas table per challenger, the
    agreement table and the notes, laid out for the width the Group is rendered at."""
    parts: list[RenderableType] = [
        Phrases(line.split(" · "), sep=" · ", style="bold") for line in summary(cmp).lines()
    ]
    parts += [Text(""), metrics_table(cmp)]
    for table in delta_tables(cmp):
        parts += [Text(""), table]
    agreement = agreement_table(cmp)
    if agreement is not None:
        parts += [Text(""), agreement]
    remarks = notes(cmp)
    if remarks:
        parts += [Text(""), Text("Notes", style="bold")]
        parts += [Text(f"- {remark}") for remark in remarks]  # prose: wraps between words
    return Group(*parts)


def print_comparison(cmp: Comparison, console: Console) -> None:
    console.print(comparison_renderable(cmp))


def scored_heading(dataset: Mapping[str, Any]) -> Phrases:
    """ "test set PATH, recipe NAME: ROWS rows, fingerprint F" (PATH alone on its lines when it
    does not fit beside "test set")."""
    recipe = dataset.get("recipe")
    phrases = [
        "test set",
        f"{dataset['source']}{',' if recipe else ':'}",
        f"recipe {recipe}:" if recipe else "",
        f"{dataset['rows']} rows,",
        f"fingerprint {str(dataset['fingerprint'])[:12]}",
    ]
    return Phrases(phrases, style="bold")


def scored_models(scored: Mapping[str, Any]) -> Fitted:
    """Each model: uri, version, kind of scores and whether they came from the cache, note."""
    table = _table()
    for header in ("model", "version", "scores", "note"):
        table.add_column(header, overflow="fold")
    items = []
    for uri, s in scored.items():
        version = f"{s.resolved.name} v{s.resolved.version}" if s.resolved.version else "—"
        source = "(cache)" if s.from_cache else "(scored now)"
        note = s.note or ""
        table.add_row(uri, version, Phrases([s.kind, source]), note)
        items.append(
            _item(f"{uri}:", f"{version},", s.kind, f"{source};" if note else source, note)
        )
    return Fitted(_title("Models"), [table], items)


def print_scored(scored: Mapping[str, Any], dataset: Mapping[str, Any], console: Console) -> None:
    """Which test set, and for each model whether its scores came from the cache."""
    console.print(scored_heading(dataset))
    console.print(scored_models(scored))
    console.print()

"""Pieces of the HTML report: escaped text, tables drawn from ``TableView``s and plain rows, the
confusion counts of a model, figures as inert JSON, and the page's stylesheet.

Every text from outside champion (model names, columns, labels, reasons, paths) goes through
``esc``; nothing here writes an address that loads anything (links to the MLflow UI are text).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from champion.evaluation import Confusion
from champion.presentation.i18n import t
from champion.presentation.table_views import Cell, TableView
from champion.presentation.tables import fmt_percent


def esc(text: object) -> str:
    """text as HTML text or attribute value: & < > " ' escaped."""
    return html.escape(str(text), quote=True)


def _attributes(**values: object) -> str:
    """' name="value"' for every value that is not None (names: class_ -> class)."""
    parts = [
        f' {name.rstrip("_")}="{esc(value)}"' for name, value in values.items() if value is not None
    ]
    return "".join(parts)


def _cell(cell: Cell, tag: str = "td", scope: str | None = None) -> str:
    """One cell: its text, its hint as a tooltip, its tone as a class; a link's address is
    shown as text after it (the file opens nothing), an action (a dashboard button) not at all."""
    if cell.action is not None:
        return f"<{tag}></{tag}>"
    text = esc(cell.text)
    if cell.link is not None:
        text += f' <span class="address">{esc(cell.link)}</span>'
    tone = None if cell.tone is None else f"tone-{cell.tone}"
    span = cell.span if cell.span > 1 else None
    attributes = _attributes(class_=tone, title=cell.hint, colspan=span, scope=scope)
    return f"<{tag}{attributes}>{text}</{tag}>"


def view_table(view: TableView, class_: str = "data") -> str:
    """A TableView as an HTML table: caption, header, rows; flagged rows marked."""
    parts = [f'<div class="table"><table class="{esc(class_)}">']
    if view.caption:
        parts.append(f"<caption>{esc(view.caption)}</caption>")
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in view.header)
    parts.append(f"<thead><tr>{head}</tr></thead><tbody>")
    for i, row in enumerate(view.rows):
        flagged = ' class="flagged"' if i in view.flagged else ""
        cells = [
            _cell(cell, "th", "row") if view.row_headings and k == 0 else _cell(cell)
            for k, cell in enumerate(row)
        ]
        parts.append(f"<tr{flagged}>{''.join(cells)}</tr>")
    parts.append("</tbody></table></div>")
    return "".join(parts)


def rows_table(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    caption: str | None = None,
    class_: str = "data",
) -> str:
    """Plain rows (any values, shown as text) under a header; class_ "text" aligns every
    column left (words rather than numbers)."""
    view = TableView(
        tuple(str(h) for h in header),
        tuple(tuple(Cell(str(value)) for value in row) for row in rows),
        caption=caption,
    )
    return view_table(view, class_)


def facts_table(facts: Iterable[tuple[str, object]]) -> str:
    """Name / value pairs, one per row, the name heading its row (None values left out)."""
    rows = "".join(
        f'<tr><th scope="row">{esc(name)}</th><td>{esc(value)}</td></tr>'
        for name, value in facts
        if value is not None
    )
    return f'<table class="facts"><tbody>{rows}</tbody></table>'


def _count(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def confusion_table(confusion: Confusion, model: str, threshold: float, lang: str) -> str:
    """The 2x2 counts (rows actual, columns predicted), each cell with its share of the rows."""
    c = confusion
    total = c.tn + c.fp + c.fn + c.tp
    negative, positive = t("word.negative", lang), t("word.positive", lang)

    def cell(key: str, value: float) -> str:
        share = fmt_percent(round(value / total, 3)) if total else "—"
        return (
            f'<td><span class="small">{esc(t(key, lang))}</span>'
            f"<strong>{esc(_count(value))}</strong>{esc(share)}</td>"
        )

    title = t("chart.confusion_of", lang, model=model, threshold=f"{threshold:.4g}")
    corner = f"{t('axis.actual', lang)} \\ {t('axis.predicted', lang)}"
    return (
        f'<table class="confusion"><caption>{esc(title)}</caption>'
        f'<thead><tr><th scope="col">{esc(corner)}</th><th scope="col">{esc(negative)}</th>'
        f'<th scope="col">{esc(positive)}</th></tr></thead><tbody>'
        f'<tr><th scope="row">{esc(negative)}</th>{cell("confusion.tn", c.tn)}'
        f"{cell('confusion.fp', c.fp)}</tr>"
        f'<tr><th scope="row">{esc(positive)}</th>{cell("confusion.fn", c.fn)}'
        f"{cell('confusion.tp', c.tp)}</tr></tbody></table>"
    )


def _inert(value: Any, texts: Sequence[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        for raw, shown in texts:
            value = value.replace(raw, shown)
        return value
    if isinstance(value, list):
        return [_inert(item, texts) for item in value]
    if isinstance(value, dict):
        return {key: _inert(item, texts) for key, item in value.items()}
    return value


def inert_texts(data: dict[str, Any], user_texts: Iterable[str]) -> dict[str, Any]:
    """A figure's data (``to_plotly_json()``) with every user text holding < > or & written as
    entities, which plotly.js shows as the characters they stand for, never as its tags."""
    texts = sorted(
        {(s, html.escape(s, quote=False)) for s in user_texts if any(ch in s for ch in "<>&")},
        key=lambda pair: -len(pair[0]),
    )
    found: dict[str, Any] = _inert(data, texts) if texts else data
    return found


def figure_json(figure: Any, user_texts: Iterable[str]) -> str:
    """A plotly figure as JSON to embed in a <script type="application/json"> block.

    plotly.js reads a few tags in texts (<b>, <br>, <a href>): every user text in it (model
    names, columns, slice labels) that holds < > or & is written as entities, which plotly shows
    as the characters they stand for. < > & are then escaped as \\u003c \\u003e \\u0026, so
    nothing in the JSON can close the block."""
    data = inert_texts(figure.to_plotly_json(), user_texts)
    from plotly.io.json import to_json_plotly  # NaN as null, numpy arrays as lists

    text: str = to_json_plotly({"data": data.get("data", []), "layout": data.get("layout", {})})
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class Figures:
    """The figures of a page: each a placeholder <div> and a JSON block, numbered in order."""

    def __init__(self, user_texts: list[str]) -> None:
        self.user_texts = user_texts
        self.count = 0

    def __call__(self, figure: Any, name: str) -> str:
        self.count += 1
        ident = f"figure-{self.count}"
        data = figure_json(figure, self.user_texts)
        return (
            f'<div class="figure" id="{ident}" data-name="{esc(name)}"></div>'
            f'<script type="application/json" data-figure="{ident}">{data}</script>'
        )


def section(title: str, *body: str, ident: str) -> str:
    return f'<section id="{ident}"><h2>{esc(title)}</h2>{"".join(body)}</section>'


STYLE = """
:root { --text: #222; --muted: #5f6368; --line: #dcdcdc; --better: #1a7f37; --worse: #b3261e;
  --notable: #8a5a00; --flag: #fdecea; --head: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1180px; padding: 24px 28px 48px; color: var(--text);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Hiragino Sans",
  "Noto Sans CJK JP", "Yu Gothic", Meiryo, sans-serif; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 8px; padding-bottom: 4px;
  border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
p { margin: 6px 0; }
.muted, .small { color: var(--muted); font-size: 12px; }
.lead { font-size: 16px; }
.status { display: inline-block; padding: 2px 10px; border-radius: 12px; font-weight: 600; }
.status.passed { background: #e6f4ea; color: var(--better); }
.status.failed { background: var(--flag); color: var(--worse); }
.status.none { background: var(--head); color: var(--muted); }
table { border-collapse: collapse; margin: 8px 0 14px; font-variant-numeric: tabular-nums; }
caption { caption-side: top; text-align: left; color: var(--muted); font-size: 12px;
  padding-bottom: 4px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: right; vertical-align: top; }
th[scope="row"], td:first-child, thead th:first-child { text-align: left; }
thead th { background: var(--head); }
div.table { max-width: 100%; overflow-x: auto; }
thead th { white-space: nowrap; }
table.facts td, table.facts th, table.text td, table.text th { text-align: left; }
table.text td { overflow-wrap: anywhere; }
table.facts td { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  word-break: break-all; }
table.confusion td { text-align: center; min-width: 110px; }
table.confusion td span, table.confusion td strong { display: block; }
tr.flagged td, tr.flagged th { background: var(--flag); }
.tone-better { color: var(--better); font-weight: 600; }
.tone-worse { color: var(--worse); font-weight: 600; }
.tone-notable { color: var(--notable); }
.tone-code, .address, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas,
  monospace; font-size: 12px; word-break: break-all; }
.address { color: var(--muted); }
.figure { width: 100%; height: 440px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 8px 16px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.passed-text { color: var(--better); }
.failed-text { color: var(--worse); }
ul { margin: 4px 0 10px; padding-left: 22px; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; }
@media print { .figure { break-inside: avoid; } }
"""

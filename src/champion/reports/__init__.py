"""Decision records: one comparison written down for the decision it supports (``champion
report``), as a self-contained HTML file, Markdown for a pull request, or JSON.

``record`` holds the data (``DecisionRecord``), ``collect`` gathers it (registry facts, the
test set's class balance, slices), ``html`` / ``markdown`` render it and ``write`` writes it
atomically. The names below load on first use (PEP 562).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from champion.lazy import lazy_names

if TYPE_CHECKING:
    from champion.reports.html import render_html
    from champion.reports.markdown import render_markdown
    from champion.reports.record import (
        DatasetInfo,
        DecisionRecord,
        Disagreement,
        ModelInfo,
        SliceFinding,
    )
    from champion.reports.write import format_of, render, write_atomic

_WHERE = {
    "render_html": "html",
    "render_markdown": "markdown",
    **dict.fromkeys(
        ("DatasetInfo", "DecisionRecord", "Disagreement", "ModelInfo", "SliceFinding"), "record"
    ),
    **dict.fromkeys(("format_of", "render", "write_atomic"), "write"),
}

__all__ = [
    "DatasetInfo",
    "DecisionRecord",
    "Disagreement",
    "ModelInfo",
    "SliceFinding",
    "format_of",
    "render",
    "render_html",
    "render_markdown",
    "write_atomic",
]

if not TYPE_CHECKING:  # mypy reads the imports above, so it still flags unknown names
    __getattr__, __dir__ = lazy_names(__name__, _WHERE, globals())

"""Figures as plotly JSON, built once per key.

Building a plotly figure object costs tens of milliseconds (plotly validates every property),
far more than the numbers behind it once the evaluation is cached. A figure is a pure function
of its key (the versions shown, the threshold, the language), so the pages keep its JSON and
serve it again; only parts that move with the threshold are added per request, as plain dicts.
Dicts handed out are shared: callers copy before changing them (see ``with_threshold_line``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import plotly.graph_objects as go

from champion.evaluation import EvaluationReport
from champion.presentation import (
    calibration_figure,
    gain_figure,
    pr_figure,
    roc_figure,
    threshold_line,
)
from champion.presentation.figures_curves import threshold_markers
from champion.workspace.results import Memo

Figure = dict[str, Any]
CURVE_KINDS = ("roc", "pr", "calibration", "gain")
_CURVES = {"roc": roc_figure, "pr": pr_figure, "gain": gain_figure}


class FigureCache:
    """A bounded memo of figure JSON by key."""

    def __init__(self, size: int = 256) -> None:
        self._memo: Memo[Hashable, Any] = Memo(size)

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The value stored under key, else build() turned to JSON (figures, or tuples of
        them), stored, then returned."""
        found = self._memo.get(key)
        if found is None:
            found = as_json(build())
            self._memo.put(key, found)
        return found


def as_json(value: Any) -> Any:
    """plotly figures (alone or in a tuple) as their JSON dicts."""
    if isinstance(value, go.Figure):
        return value.to_plotly_json()
    if isinstance(value, tuple):
        return tuple(as_json(item) for item in value)
    return value


def with_threshold_line(figure: Figure, threshold: float, lang: str) -> Figure:
    """A copy of figure (JSON) with the dashed line at threshold and its label added."""
    shape, annotation = threshold_line(threshold, lang)
    layout = dict(figure.get("layout", {}))
    layout["shapes"] = [*layout.get("shapes", ()), shape]
    layout["annotations"] = [*layout.get("annotations", ()), annotation]
    return {**figure, "layout": layout}


def curve_part(kind: str, report: EvaluationReport, lang: str) -> go.Figure:
    """One version's figure of kind (see CURVE_KINDS), without threshold markers."""
    if kind == "calibration":
        return calibration_figure({report.name: report}, lang=lang)
    return _CURVES[kind]({report.name: report}, lang=lang, markers=False)


def assemble(
    kind: str, parts: list[Figure], reports: dict[str, EvaluationReport], cut: float, lang: str
) -> Figure | None:
    """The figure of several versions from their parts (None when several carry notes: the
    caller then draws them together), with the markers at threshold cut (not on calibration)."""
    if sum(1 for part in parts if part.get("layout", {}).get("annotations")) > 1:
        return None
    merged = merge_models(parts)
    if kind != "calibration":
        merged["data"] = with_markers(merged["data"], threshold_markers(kind, reports, cut, lang))
    return merged


def with_markers(traces: list[Any], markers: list[Any]) -> list[Any]:
    """traces with each marker right after the traces of its model (legend group), as a
    figure drawn with its markers has them."""
    placed = list(traces)
    for marker in markers:
        group = marker.get("legendgroup")
        last = max((i for i, tr in enumerate(placed) if tr.get("legendgroup") == group), default=-1)
        placed.insert(last + 1 if last >= 0 else len(placed), marker)
    return placed


def whole_figure(kind: str, reports: dict[str, EvaluationReport], cut: float, lang: str) -> Any:
    """The figure of kind for several versions drawn together (markers at cut)."""
    if kind == "calibration":
        return calibration_figure(reports, lang=lang)
    return _CURVES[kind](reports, threshold=cut, lang=lang)


def merge_models(figures: list[Figure]) -> Figure:
    """One figure from single-model figures of the same kind: the reference traces (chance,
    prevalence: those without a legend group) of the first, then every model's own traces
    (legend group = the model) in order, under the layout of the first that has notes, else the
    first's. Callers fall back to building the whole figure when several carry notes."""
    first = figures[0]
    references = [trace for trace in first.get("data", ()) if not trace.get("legendgroup")]
    models = [
        trace for figure in figures for trace in figure.get("data", ()) if trace.get("legendgroup")
    ]
    noted = [f for f in figures if f.get("layout", {}).get("annotations")]
    layout = (noted or [first])[0].get("layout", {})
    return {"data": [*references, *models], "layout": layout}

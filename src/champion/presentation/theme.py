"""The look shared by every figure: a colour-blind-safe palette, fixed model colours, a template.

Pure plotly (``plotly.graph_objects``), no Dash. Also the small helpers every figure module
uses: a themed empty figure, legend placement, notes, and rounding that keeps figures light.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import plotly.graph_objects as go

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
# deficiency. Version 1 takes the first colour, version 2 the second, and so on (cycling).
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermilion
    "#F0E442",  # yellow
    "#000000",  # black
)
# names without a version avoid the yellow, the palette's one colour faint on white
HASHED_PALETTE: tuple[str, ...] = tuple(c for c in PALETTE if c != "#F0E442")
REFERENCE_COLOUR = "#8C8C8C"  # chance diagonals, baselines, threshold lines
GRID_COLOUR = "#E6E6E6"
TEXT_COLOUR = "#222222"
FONT_FAMILY = (
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Hiragino Sans', 'Hiragino Kaku Gothic ProN', "
    "'Yu Gothic', Meiryo, 'Noto Sans CJK JP', 'Noto Sans JP', sans-serif"
)

# "models:/titanic/3", "titanic/3", "version 3", "v3", "titanic v3", "バージョン 3"
_VERSION_PATTERNS = (
    re.compile(r"^models:/[^/@]+/(\d+)$"),
    re.compile(r"(?:^|[\s(])(?:version|ver\.?|v|バージョン)\s*(\d+)\b", re.IGNORECASE),
    re.compile(r"^[^\s/@:]+/(\d+)$"),
)


def version_number(name: str) -> int | None:
    """The registered version a model name refers to, or None.

    "models:/titanic/3" -> 3, "version 2" -> 2, "titanic v4" -> 4, "titanic/5" -> 5;
    "initial", "models:/titanic@champion", "model_2" -> None.
    """
    for pattern in _VERSION_PATTERNS:
        match = pattern.search(name.strip())
        if match:
            return int(match.group(1))
    return None


def model_colour(name: str) -> str:
    """A fixed colour for one model, independent of which other models are shown.

    Version N takes PALETTE[(N - 1) % 8]; any other name a colour of HASHED_PALETTE picked by a
    stable hash of the name (SHA-256, so the same in every process, unlike ``hash``).
    """
    version = version_number(name)
    if version is not None and version >= 1:
        return PALETTE[(version - 1) % len(PALETTE)]
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return HASHED_PALETTE[int.from_bytes(digest[:4], "big") % len(HASHED_PALETTE)]


def model_colours(names: Sequence[str]) -> dict[str, str]:
    """{name: colour} for each name: model_colour's, so a version keeps its colour whatever else
    is shown; a name without a version number ("models:/m@champion", "initial") whose hashed
    colour another model of names already has takes the first colour nobody has, so no two
    models of one figure look alike (with at most 8 models)."""
    return colours_for(names, None)


def colours_for(names: Sequence[str], colours: Mapping[str, str] | None) -> dict[str, str]:
    """The given colours, completed as model_colours does for any name they leave out."""
    given = colours or {}
    found = {name: given[name] for name in names if given.get(name)}
    # versions first: their colours are fixed; hashed names give way when they collide
    versioned = [n for n in names if n not in found and version_number(n) is not None]
    found |= {name: model_colour(name) for name in versioned}
    for name in (n for n in names if n not in found):
        colour = model_colour(name)
        if colour in found.values():
            colour = next((c for c in PALETTE if c not in found.values()), colour)
        found[name] = colour
    return {name: found[name] for name in names}


_AXIS: dict[str, Any] = {
    "showgrid": True,
    "gridcolor": GRID_COLOUR,
    "zeroline": False,
    "showline": True,
    "linecolor": "#444444",
    "ticks": "outside",
    "tickcolor": "#444444",
    "title": {"standoff": 8},
    "automargin": True,
}

TEMPLATE = go.layout.Template(
    layout={
        "font": {"family": FONT_FAMILY, "size": 13, "color": TEXT_COLOUR},
        "title": {"x": 0.01, "xanchor": "left", "font": {"size": 16}},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "colorway": list(PALETTE),
        "margin": {"l": 64, "r": 24, "t": 56, "b": 56},
        "xaxis": _AXIS,
        "yaxis": _AXIS,
        "legend": {"bgcolor": "rgba(255,255,255,0.85)", "font": {"size": 12}},
        "hoverlabel": {"font": {"family": FONT_FAMILY, "size": 12}},
        "hovermode": "closest",
    }
)
"""The plotly layout template every champion figure uses: white, system font (with Japanese
fallbacks), 13 px text, compact margins, light grid; readable on a laptop screen. Small on
purpose: it is serialised into every figure."""


def new_figure(title: str, x_title: str, y_title: str) -> go.Figure:
    """An empty figure with champion's template, a title and axis titles."""
    fig = go.Figure()
    fig.update_layout(
        template=TEMPLATE,
        title={"text": title},
        xaxis={"title": {"text": x_title}},
        yaxis={"title": {"text": y_title}},
    )
    return fig


def legend_inside(fig: go.Figure, corner: str = "bottom right") -> None:
    """Place the legend inside the plot, in "bottom right" or "top right" (or "... left")."""
    vertical, horizontal = corner.split()
    fig.update_layout(
        legend={
            "x": 0.99 if horizontal == "right" else 0.01,
            "xanchor": horizontal,
            "y": 0.01 if vertical == "bottom" else 0.99,
            "yanchor": vertical,
        }
    )


def unit_axes(fig: go.Figure) -> None:
    """Both axes span [0, 1] with a small margin (ROC, PR, calibration, gain)."""
    fig.update_xaxes(range=[-0.02, 1.02], constrain="domain")
    fig.update_yaxes(range=[-0.02, 1.02])


def rounded(values: npt.ArrayLike, decimals: int = 4) -> list[float | None]:
    """values rounded to a number of decimals, as a list (NaN and infinities -> None).

    For coordinates in [0, 1] on a linear axis, 4 decimals is 1e-4 of the axis, far below a
    pixel, and writes as at most 7 characters of JSON (a float64 array would take ~11 as base64,
    and a plain float ~19 as text).
    """
    array = np.round(np.asarray(values, dtype=np.float64), decimals)
    return [v if math.isfinite(v) else None for v in array.tolist()]


def significant(values: npt.ArrayLike, digits: int = 4) -> list[float | None]:
    """values rounded to a number of significant digits, as a list (NaN, infinities -> None);
    for values of any scale (thresholds, lift)."""
    array = np.asarray(values, dtype=np.float64)
    return [float(f"{v:.{digits}g}") if math.isfinite(v) else None for v in array.tolist()]


Points = list[float | None]


def without_repeats(x: Points, y: Points) -> tuple[Points, Points]:
    """x, y without the points that repeat the point before them (after rounding, the two ends
    of a tiny step of a million-row curve often coincide; a repeat draws nothing)."""
    keep = [i for i in range(len(x)) if i == 0 or (x[i], y[i]) != (x[i - 1], y[i - 1])]
    return [x[i] for i in keep], [y[i] for i in keep]


def note_annotation(fig: go.Figure, lines: Sequence[str]) -> None:
    """Small grey notes under the plot area (e.g. which models are left out and why)."""
    if not lines:
        return
    fig.add_annotation(
        text="<br>".join(lines),
        xref="paper",
        yref="paper",
        x=0.0,
        y=-0.16 - 0.05 * (len(lines) - 1),
        xanchor="left",
        yanchor="top",
        showarrow=False,
        align="left",
        font={"size": 11, "color": "#555555"},
    )
    fig.update_layout(margin={"b": 80 + 18 * len(lines)})

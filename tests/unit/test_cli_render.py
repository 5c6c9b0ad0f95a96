"""What the CLI prints, at every terminal width: no phrase split, nothing cut short, no line
wider than the terminal (but for a path or name wider than the terminal itself, which folds)."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

import champion
from champion.cli.progress import ScoringProgress
from champion.cli.render import Phrases, print_comparison, print_scored
from champion.evaluation import METRICS, Comparison
from champion.presentation import agreement_rows, delta_rows, metric_rows
from support.terminal import squeeze

pytestmark = pytest.mark.cli

WIDTHS = [24, 30, 40, 52, 60, 70, 80, 88, 100, 120, 200]


def render(width: int, draw: Any) -> list[str]:
    """The lines draw(console) prints on a console width cells wide (plain text)."""
    console = Console(width=width, file=io.StringIO(), color_system=None, highlight=False)
    draw(console)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    return text.splitlines()


def assert_fits(lines: list[str], width: int) -> None:
    wide = [line for line in lines if len(line) > width]
    assert not wide, f"wider than {width}: {wide}"
    assert not any("…" in line for line in lines), "cut short"


def whole(phrase: str, lines: list[str]) -> bool:
    return any(phrase in line for line in lines)


def shown(text: str, lines: list[str], width: int) -> bool:
    """text on one line when it fits in a list item ("- text:"), else folded over lines."""
    if len(text) + 3 <= width:
        return whole(text, lines)
    return squeeze(text) in squeeze("".join(lines))


# --- Phrases -----------------------------------------------------------------------------------

phrase = st.text(st.characters(codec="ascii", categories=["L", "N", "P"]), min_size=1, max_size=30)


@given(
    phrases=st.lists(st.lists(phrase, min_size=1, max_size=3).map(" ".join), max_size=8),
    width=st.integers(1, 90),
    indent=st.sampled_from(["", "  "]),
)
def test_phrases_break_only_between_phrases(phrases: list[str], width: int, indent: str) -> None:
    lines = [line.plain for line in Phrases(phrases, indent=indent).lines(width)]
    assert all(line.startswith(indent) for line in lines[1:])
    # every phrase lies whole on one line, the lines hold the phrases in order and nothing else
    unindented = [line.removeprefix(indent) if i else line for i, line in enumerate(lines)]
    assert " ".join(unindented) == " ".join(phrases)
    for text in phrases:
        assert whole(text, unindented)
    # a line is wider than the width only when it holds a single phrase
    for i, line in enumerate(lines):
        if len(line) > width:
            assert unindented[i] in phrases


def test_phrases_render_a_long_path_on_lines_of_its_own() -> None:
    path = "/tmp/" + "x" * 150 + "/titanic.csv"
    lines = render(80, lambda c: c.print(Phrases(["test set", f"{path},", "recipe titanic:"])))
    assert lines[0] == "test set"
    assert "".join(lines[1:-1]) == f"{path},"
    assert lines[-1] == "recipe titanic:"
    assert_fits(lines, 80)


# --- the test set and the models --------------------------------------------------------------


def _scored(version: str, from_cache: bool, kind: str, note: str = "") -> SimpleNamespace:
    resolved = SimpleNamespace(name="titanic", version=version)
    return SimpleNamespace(resolved=resolved, from_cache=from_cache, kind=kind, note=note)


SCORED = {
    "models:/titanic/1": _scored("1", True, "probabilities"),
    "models:/titanic@challenger": _scored("5", False, "labels", "labels only: no ROC AUC"),
}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("folder", [0, 40, 55, 63, 71, 120, 150])
def test_the_test_set_heading_never_splits_a_phrase(width: int, folder: int) -> None:
    # the fresh machine's failure: at 80 columns a temporary path of this length left "recipe"
    # at the end of one line and "titanic" at the start of the next
    path = "/tmp/" + "x" * folder + "/titanic.csv"
    dataset = {"source": path, "recipe": "titanic", "rows": 891, "fingerprint": "0123456789abcdef"}
    lines = render(width, lambda c: print_scored(SCORED, dataset, c))
    for text in ("test set", "recipe titanic:", "891 rows,", "fingerprint 0123456789ab"):
        assert whole(text, lines), (text, lines)
    if len(path) + 1 <= width:
        assert whole(f"{path},", lines)
    else:  # on lines of its own, folded
        start = next(i for i, line in enumerate(lines) if line.startswith(path[:width]))
        assert "".join(lines[start:]).startswith(f"{path},")
    assert_fits(lines, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_each_model_is_listed_whole(width: int) -> None:
    dataset = {"source": "t.csv", "recipe": None, "rows": 10, "fingerprint": "abc"}
    lines = render(width, lambda c: print_scored(SCORED, dataset, c))
    table = any("┃ model" in line for line in lines)
    for uri in SCORED:
        assert shown(uri, lines, width)
    for text in ("titanic v1", "titanic v5", "(cache)", "(scored now)", "labels only: no ROC AUC"):
        assert shown(text, lines, width), (text, lines)
    assert table == (width >= 100)  # the table only where it fits without wrapping a cell
    assert_fits(lines, width)


# --- the comparison ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 300)
    scores = {
        "initial": np.clip(0.5 + 0.15 * (y - 0.5) + rng.normal(0, 0.2, 300), 0, 1),
        "new": np.clip(0.5 + 0.5 * (y - 0.5) + rng.normal(0, 0.2, 300), 0, 1),
        "forest": np.clip(0.5 + 0.3 * (y - 0.5) + rng.normal(0, 0.2, 300), 0, 1),
    }
    return champion.compare(y, scores, baseline="initial", n_boot=50, random_state=0)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_comparison_never_splits_a_number_or_a_phrase(
    comparison: Comparison, width: int
) -> None:
    lines = render(width, lambda c: print_comparison(comparison, c))
    expected = ["Metrics:", "new − initial:", "forest − initial:", "paired difference"]
    expected += ["300 rows", "positive label 1", "threshold 0.5", "baseline initial"]
    expected += [spec.label for spec in METRICS]
    for row in metric_rows(comparison):
        expected += [text for c in row.cells for text in (c.value, c.interval)]
    for rows in delta_rows(comparison).values():
        expected += [text for d in rows for text in (d.delta, d.interval, d.badge)]
        expected += [d.p_value.removeprefix("p = ").removeprefix("p ") for d in rows]
    expected += [a.mcnemar for a in agreement_rows(comparison)]
    missing = [text for text in expected if text and not whole(text, lines)]
    if width >= 40:  # the widest phrase: "- Balanced accuracy: initial 0.6816 [...],"
        assert not missing, "\n".join(lines)
    assert_fits(lines, width)


def test_wide_terminals_get_tables_with_intervals_beside_values(comparison: Comparison) -> None:
    lines = render(120, lambda c: print_comparison(comparison, c))
    cell = next(c for row in metric_rows(comparison) for c in row.cells)
    assert whole(f"│ {cell.text} │", lines) or whole(f" {cell.text} │", lines)
    assert any("┃ Metric" in line and "test" in line for line in lines)  # deltas with the test


# --- the progress bars -------------------------------------------------------------------------


@pytest.mark.parametrize("width", [30, 40, 60, 80, 120])
@pytest.mark.parametrize("label", ["models:/titanic/2", "runs:/" + "0123456789abcdef" * 2 + "/m"])
def test_progress_keeps_labels_whole_and_the_counts_in_view(width: int, label: str) -> None:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    progress = ScoringProgress(console)
    progress.update(progress.add_task(label, total=891), completed=300)
    progress.update(progress.add_task("models:/[b]x[/b]", total=891), completed=891)
    lines = render(width, lambda c: c.print(*progress.get_renderables()))
    for text in (label, "models:/[b]x[/b]", "300/891", "891/891"):  # labels are not markup
        assert shown(text, lines, width), (text, lines)
    assert sum("scoring" in line for line in lines) == 2
    assert_fits(lines, width)

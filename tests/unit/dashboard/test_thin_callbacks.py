"""The dashboard's callbacks stay thin: parse, ask the composer, hand results to presentation."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import champion.dashboard

DASHBOARD = Path(champion.dashboard.__file__).parent
MAX_LINES = 15


def callbacks(path: Path) -> list[tuple[str, int]]:
    """(name, body lines without the docstring) of every function registered with
    ``app.callback(...)(function)`` in the module."""
    tree = ast.parse(path.read_text(), filename=str(path))
    registered = {
        arg.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Call)
        and isinstance(node.func.func, ast.Attribute)
        and node.func.func.attr == "callback"
        for arg in node.args
        if isinstance(arg, ast.Name)
    }
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in registered:
            body = node.body
            if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]
            lines = (body[-1].end_lineno or body[-1].lineno) - body[0].lineno + 1 if body else 0
            found.append((node.name, lines))
    return found


MODULES = sorted(DASHBOARD.rglob("*.py"))


def test_the_check_finds_the_callbacks() -> None:
    names = {name for path in MODULES for name, _ in callbacks(path)}
    assert {"update", "open_dialog", "confirm", "fill_picker", "show_jobs"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(DASHBOARD)))
def test_callbacks_are_at_most_15_lines(path: Path) -> None:
    long = [(name, n) for name, n in callbacks(path) if n > MAX_LINES]
    assert not long, f"{path.name}: callbacks longer than {MAX_LINES} lines: {long}"

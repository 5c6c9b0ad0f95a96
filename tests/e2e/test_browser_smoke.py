"""Smoke test of the e2e machinery: headless Chromium drives a tiny Dash app on loopback."""

from __future__ import annotations

from pathlib import Path

import dash
import plotly.graph_objects as go
import pytest
from dash import Input, Output, dcc, html
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from .browser import (
    graph_trace_count,
    require_browser,
    save_artifacts,
    wait_for,
    wait_for_dash,
    wait_for_text,
)
from .conftest import ServeApp

pytestmark = pytest.mark.e2e


def _figure(n_traces: int) -> go.Figure:
    return go.Figure(
        [go.Scatter(x=[0, 1, 2], y=[i, i + 1, i * 2], name=f"t{i}") for i in range(n_traces)]
    )


def tiny_app() -> dash.Dash:
    """A button whose clicks update a text and add a trace to a graph."""
    app = dash.Dash(__name__, title="e2e smoke")
    app.layout = html.Div(
        [
            html.Button("Go", id="go", n_clicks=0),
            html.Div("clicked 0 times", id="out"),
            dcc.Graph(id="graph", figure=_figure(1)),
        ]
    )

    @app.callback(
        Output("out", "children"),
        Output("graph", "figure"),
        Input("go", "n_clicks"),
        prevent_initial_call=True,
    )
    def on_click(n_clicks: int) -> tuple[str, go.Figure]:
        return f"clicked {n_clicks} times", _figure(1 + n_clicks)

    return app


def test_click_updates_text_and_graph(driver: WebDriver, served_app: ServeApp) -> None:
    site = served_app(tiny_app())
    driver.get(site.url)
    wait_for_dash(driver)
    assert driver.title == "e2e smoke"
    wait_for_text(driver, "#out", "clicked 0 times", exact=True)
    wait_for(driver, "#graph .js-plotly-plot .main-svg")
    assert graph_trace_count(driver, "graph") == 1

    wait_for(driver, "#go").click()
    wait_for_text(driver, "#out", "clicked 1 times", exact=True)
    driver.find_element(By.CSS_SELECTOR, "#go").click()
    wait_for_text(driver, "#out", "clicked 2 times", exact=True)
    wait_for_dash(driver)
    assert graph_trace_count(driver, "graph") == 3


def test_wait_for_text_failure_is_explicit(driver: WebDriver, served_app: ServeApp) -> None:
    driver.get(served_app(tiny_app()).url)
    wait_for_dash(driver)
    with pytest.raises(AssertionError, match=r"'#out' never showed text .*'nope'.*clicked 0"):
        wait_for_text(driver, "#out", "nope", timeout=0.3)
    with pytest.raises(AssertionError, match=r"no element matches '#missing'"):
        wait_for(driver, "#missing", timeout=0.3)


def test_save_artifacts_writes_screenshot_source_and_log(
    driver: WebDriver, served_app: ServeApp, tmp_path: Path
) -> None:
    driver.get(served_app(tiny_app()).url)
    wait_for_dash(driver)
    saved = save_artifacts(driver, "tests/e2e/x.py::test[a b]", tmp_path)
    assert sorted(p.suffix for p in saved) == [".html", ".log", ".png"]
    png = next(p for p in saved if p.suffix == ".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert 'id="out"' in next(p for p in saved if p.suffix == ".html").read_text()


def test_missing_browser_fails_with_install_hint(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match=r"scripts/install-browser\.sh"):
        require_browser(tmp_path / "chromium", tmp_path / "chromedriver")

"""The penguins demo (three species) in headless Chromium, in English and Japanese: the
multiclass Overview, Curves with a class picker and small multiples, Classes (per-class table,
confusion and difference heatmaps), Decision, Slices and Disagreements on predicted classes."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from champion.dashboard import ids
from champion.dashboard.app import create_app
from champion.dashboard.config import DashboardConfig
from champion.demo import prepare_demo

from .browser import wait_for, wait_for_dash, wait_for_text
from .test_dashboard_browser import TIMEOUT, until


@pytest.fixture(scope="session")
def penguins_url(served_app_session: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    setup = prepare_demo(tmp_path_factory.mktemp("e2e-penguins"), dataset="penguins")
    config = DashboardConfig(
        tracking_uri=setup.tracking_uri,
        model_name=setup.model_name,
        data_source=setup.data_source,
        recipe=setup.recipe,
        cache_dir=setup.cache_dir,
        n_boot=200,
    )
    url: str = served_app_session(create_app(config)).url
    return url.rstrip("/")


def open_page(driver: WebDriver, url: str, nav: str | None = None) -> None:
    driver.get(url)
    wait_for_dash(driver, TIMEOUT)
    if nav:
        wait_for(driver, f"#nav-{nav}", TIMEOUT).click()


def plot(driver: WebDriver, graph_id: str, expression: str) -> Any:
    """expression evaluated on the graph's plotly element g (null until it is drawn)."""
    script = (
        f"const g = document.querySelector('#{graph_id} .js-plotly-plot');"
        f"return g && g.data && g.data.length ? {expression} : null;"
    )
    return driver.execute_script(script)


def pick_option(driver: WebDriver, dropdown_id: str, text: str) -> None:
    wait_for(driver, f"#{dropdown_id}", TIMEOUT).click()
    options = until(
        lambda: driver.find_elements(By.XPATH, "//*[@role='option']"), f"options of {dropdown_id}"
    )
    next(o for o in options if o.text.strip() == text).click()


def test_penguins_pages_in_english(driver: WebDriver, penguins_url: str) -> None:
    open_page(driver, penguins_url)
    nav = wait_for(driver, f"#{ids.NAV}", TIMEOUT).text
    assert "Decision" in nav
    assert "Classes" in nav
    assert "Threshold" not in nav
    wait_for_text(driver, f"#{ids.MC_VERDICT}", "vs champion (version 1)", TIMEOUT)
    wait_for_text(driver, f"#{ids.MC_VERDICT}", "ROC AUC (one-vs-rest, macro)", TIMEOUT)
    wait_for_text(driver, f"#{ids.MC_METRICS_ROWS}", "F1 (macro)", TIMEOUT)
    wait_for_text(driver, f"#{ids.MC_METRICS_ROWS}", "Δ version 2", TIMEOUT)

    wait_for(driver, "#nav-curves", TIMEOUT).click()
    title = "layout.title.text || g.layout.title.text"
    until(lambda: "macro" in (plot(driver, ids.MC_ROC_GRAPH, "g." + title) or ""), "macro ROC")
    pick_option(driver, ids.MC_CLASS_PICKER, "Gentoo")
    until(lambda: "Gentoo" in (plot(driver, ids.MC_ROC_GRAPH, "g." + title) or ""), "Gentoo ROC")
    # versions 1 and 2 (@champion, @challenger) are preselected: a curve each
    names = plot(driver, ids.MC_ROC_GRAPH, "g.data.map(t => t.name).join('|')")
    assert "version 1" in names
    assert "version 2" in names
    wait_for(driver, f"#{ids.MC_CURVE_VIEW} input[value='grid']", TIMEOUT).click()
    axes = "Object.keys(g._fullLayout).filter(k => k.startsWith('xaxis')).length"
    until(lambda: (plot(driver, ids.MC_ROC_GRAPH, axes) or 0) >= 3, "a subplot per species")

    wait_for(driver, "#nav-classes", TIMEOUT).click()
    for species in ("Adelie", "Chinstrap", "Gentoo"):
        wait_for_text(driver, f"#{ids.MC_CLASS_ROWS}", species, TIMEOUT)
    until(
        lambda: (
            plot(driver, ids.MC_CONFUSION_GRAPH, "g.data[0].type + g.data[0].z.length")
            == "heatmap3"
        ),
        "the 3 x 3 confusion heatmap",
    )
    until(
        lambda: "minus" in (plot(driver, ids.MC_DIFFERENCE_GRAPH, "g." + title) or ""),
        "the difference heatmap (version 2 minus version 1)",
    )

    wait_for(driver, "#nav-decision", TIMEOUT).click()
    wait_for_text(driver, f"#{ids.MC_DECISION_WHY}", "no single threshold", TIMEOUT)
    wait_for_text(driver, f"#{ids.MC_DECISION_ROWS}", "Top-2 accuracy", TIMEOUT)
    until(lambda: plot(driver, ids.MC_COVERAGE_GRAPH, "g.data.length") == 2, "two coverage curves")

    wait_for(driver, "#nav-slices", TIMEOUT).click()
    wait_for_text(driver, f"#{ids.SLICE_ROWS}", "Classes present", TIMEOUT)

    wait_for(driver, "#nav-disagreements", TIMEOUT).click()
    wait_for_text(driver, f"#{ids.AGREEMENT_GRID}", "Agreement of the predicted classes", TIMEOUT)
    wait_for_text(driver, f"#{ids.DISAGREE_COUNT}", "predict different classes", TIMEOUT)
    wait_for(driver, f"#{ids.DISAGREE_GRID} .ag-row", TIMEOUT)

    wait_for(driver, "#nav-registry", TIMEOUT).click()
    wait_for_text(driver, "#registry-versions", "@champion", TIMEOUT)
    until(lambda: plot(driver, ids.TREND_GRAPH, "g.data[0].x.length") == 3, "a trend of 3")


def test_penguins_pages_in_japanese(driver: WebDriver, penguins_url: str) -> None:
    open_page(driver, penguins_url)
    wait_for(driver, f"#{ids.LANG_TOGGLE} input[value='ja']", TIMEOUT).click()
    wait_for_text(driver, f"#{ids.NAV}", "判定", TIMEOUT)
    wait_for_text(driver, f"#{ids.MC_VERDICT}", "チャンピオン (バージョン 1)", TIMEOUT)
    wait_for_text(driver, f"#{ids.MC_VERDICT}", "ROC AUC（一対他、マクロ平均）", TIMEOUT)
    wait_for_text(driver, f"#{ids.MC_METRICS_ROWS}", "F1スコア（マクロ平均）", TIMEOUT)
    wait_for(driver, "#nav-classes", TIMEOUT).click()
    wait_for_text(driver, f"#{ids.MC_CLASS_ROWS}", "クラス", TIMEOUT)
    until(
        lambda: "混同行列" in (plot(driver, ids.MC_CONFUSION_GRAPH, "g.layout.title.text") or ""),
        "the confusion heatmap titled in Japanese",
    )
    wait_for(driver, "#nav-decision", TIMEOUT).click()
    wait_for_text(driver, f"#{ids.MC_DECISION_ROWS}", "上位2位正解率", TIMEOUT)
    wait_for(driver, "#nav-curves", TIMEOUT).click()
    wait_for_text(driver, f"#{ids.MC_CLASS_PICKER_LABEL}", "クラス（一対他）", TIMEOUT)
    wait_for(driver, "#nav-disagreements", TIMEOUT).click()
    wait_for_text(driver, f"#{ids.AGREEMENT_GRID}", "予測クラスの一致", TIMEOUT)
    # back to English for the other tests (the choice is kept in the session)
    wait_for(driver, f"#{ids.LANG_TOGGLE} input[value='en']", TIMEOUT).click()
    wait_for_text(driver, f"#{ids.NAV}", "Decision", TIMEOUT)

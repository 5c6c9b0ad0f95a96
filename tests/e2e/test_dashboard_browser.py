"""The demo dashboard in headless Chromium: versions, ROC traces, the threshold, Japanese."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from champion.dashboard import ids

from .browser import wait_for, wait_for_dash, wait_for_text

TIMEOUT = 40.0


def until(condition: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
    """Poll condition() until it is truthy; fail saying what never happened."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = condition()
        except Exception as exc:  # the page may be re-rendering between polls
            last = exc
        if last and not isinstance(last, Exception):
            return last
        time.sleep(0.25)
    raise AssertionError(f"{what} did not happen within {timeout:g} s (last seen: {last!r})")


def roc_lines(driver: WebDriver) -> int:
    script = (
        f"const g = document.querySelector('#{ids.ROC_GRAPH} .js-plotly-plot');"
        "return g && g.data ? g.data.filter(t => t.mode === 'lines').length : 0;"
    )
    return int(driver.execute_script(script))


def open_page(driver: WebDriver, url: str, nav: str | None = None) -> None:
    driver.get(url)
    wait_for_dash(driver, TIMEOUT)
    if nav:
        wait_for(driver, f"#nav-{nav}", TIMEOUT).click()


def test_overview_then_roc_with_one_trace_per_version(
    driver: WebDriver, dashboard_url: str
) -> None:
    open_page(driver, dashboard_url)
    wait_for_text(driver, f"#{ids.VERDICT}", "vs champion (version 1)", TIMEOUT)
    wait_for_text(driver, "#overview-table", "ROC AUC", TIMEOUT)
    wait_for(driver, "#nav-curves", TIMEOUT).click()
    # @champion (version 1) and @challenger (2) are preselected: two curves + the diagonal
    until(lambda: roc_lines(driver) == 3, "ROC with versions 1 and 2 and the diagonal")
    wait_for(driver, f"#{ids.MODEL_PICKER}", TIMEOUT).click()
    options = driver.find_elements(By.XPATH, "//*[@role='option']")
    next(o for o in options if o.text.startswith("version 3")).click()
    until(lambda: roc_lines(driver) == 4, "a third ROC curve after adding version 3")
    legend = driver.execute_script(
        f"return document.querySelector('#{ids.ROC_GRAPH} .js-plotly-plot').data"
        ".map(t => t.name).join('|')"
    )
    assert legend.count("AUC") == 3


def confusion_text(driver: WebDriver) -> str:
    return " ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, ".confusion"))


def test_moving_the_threshold_changes_the_confusion_numbers(
    driver: WebDriver, dashboard_url: str
) -> None:
    open_page(driver, dashboard_url, nav="threshold")
    wait_for_text(driver, f"#{ids.THRESHOLD_VALUE}", "0.50", TIMEOUT)
    before = until(lambda: confusion_text(driver), "the confusion matrices")
    # as a keyboard user would: focus the slider's thumb, three large steps down (0.1 each)
    thumb = wait_for(driver, f"#{ids.THRESHOLD_SLIDER} [role='slider']", TIMEOUT)
    thumb.click()
    thumb.send_keys(Keys.PAGE_DOWN, Keys.PAGE_DOWN, Keys.PAGE_DOWN)
    wait_for_text(driver, f"#{ids.THRESHOLD_VALUE}", "0.20", TIMEOUT)
    after = until(
        lambda: (text := confusion_text(driver)) != before and "0.2" in text and text,
        "new confusion numbers at threshold 0.2",
    )
    assert after != before


def test_switching_to_japanese(driver: WebDriver, dashboard_url: str) -> None:
    open_page(driver, dashboard_url)
    wait_for_text(driver, f"#{ids.TITLE}", "Model comparison dashboard", TIMEOUT)
    wait_for(driver, f"#{ids.LANG_TOGGLE} input[value='ja']", TIMEOUT).click()
    wait_for_text(driver, f"#{ids.TITLE}", "モデルの性能比較ダッシュボード", TIMEOUT)
    wait_for_text(driver, "#overview-table", "正解率", TIMEOUT)
    wait_for_text(driver, f"#{ids.VERDICT}", "バージョン 2 vs チャンピオン (バージョン 1)", TIMEOUT)
    # the choice survives a reload, then back to English for the other tests
    open_page(driver, dashboard_url)
    wait_for_text(driver, f"#{ids.TITLE}", "モデルの性能比較ダッシュボード", TIMEOUT)
    wait_for_text(driver, f"#{ids.MODEL_PICKER}", "バージョン 1", TIMEOUT)
    wait_for(driver, f"#{ids.LANG_TOGGLE} input[value='en']", TIMEOUT).click()
    wait_for_text(driver, f"#{ids.TITLE}", "Model comparison dashboard", TIMEOUT)


def test_registry_page_lists_versions_and_the_trend(driver: WebDriver, dashboard_url: str) -> None:
    open_page(driver, dashboard_url, nav="registry")
    wait_for_text(driver, "#registry-versions", "@champion", TIMEOUT)
    script = (
        f"const g = document.querySelector('#{ids.TREND_GRAPH} .js-plotly-plot');"
        "return g && g.data && g.data.length ? g.data[0].x.length : 0;"
    )
    until(lambda: driver.execute_script(script) == 3, "the trend of the three versions")


def test_slices_page_flags_rows_and_draws_bars_per_version(
    driver: WebDriver, dashboard_url: str
) -> None:
    open_page(driver, dashboard_url, nav="slices")
    wait_for_text(driver, "#slices-rows", "Δ version 2", TIMEOUT)
    script = (
        f"const g = document.querySelector('#{ids.SLICE_GRAPH} .js-plotly-plot');"
        "return g && g.data ? g.data.map(t => t.name).join('|') : '';"
    )
    until(lambda: driver.execute_script(script) == "version 1|version 2", "bars of versions 1, 2")
    rows = driver.find_elements(By.CSS_SELECTOR, "#slices-rows tbody tr")
    assert len(rows) >= 2


def test_disagreements_grid_lists_the_rows_the_versions_disagree_on(
    driver: WebDriver, dashboard_url: str
) -> None:
    open_page(driver, dashboard_url, nav="disagreements")
    wait_for_text(driver, "#agreement-2x2", "version 2 ✓", TIMEOUT)
    count = wait_for_text(driver, f"#{ids.DISAGREE_COUNT}", "rows where", TIMEOUT).text
    total = int(count.split()[0].replace(",", ""))
    header = wait_for_text(driver, f"#{ids.DISAGREE_GRID}", "score version 2", TIMEOUT)
    assert "score version 1" in header.text
    cells = driver.find_elements(
        By.CSS_SELECTOR, f"#{ids.DISAGREE_GRID} .ag-center-cols-container .ag-row"
    )
    assert len(cells) == min(total, 20)  # the grid's first page


def test_operating_point_button_moves_the_threshold(driver: WebDriver, dashboard_url: str) -> None:
    open_page(driver, dashboard_url, nav="threshold")
    wait_for_text(driver, "#op-points", "version 2", TIMEOUT)
    row = next(
        r
        for r in driver.find_elements(By.CSS_SELECTOR, "#op-points tbody tr")
        if r.text.startswith("version 2")
    )
    wanted = row.find_elements(By.TAG_NAME, "td")[1].text
    button = row.find_element(By.TAG_NAME, "button")
    # a click event on the button itself (the graphs' floating mode bars can overlap it)
    driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", button
    )
    wanted_text = f"{float(wanted):.2f}" if float(wanted) == round(float(wanted), 2) else wanted
    wait_for_text(driver, f"#{ids.THRESHOLD_VALUE}", wanted_text, TIMEOUT)


def legend_of(driver: WebDriver, graph_id: str) -> str:
    script = (
        f"const g = document.querySelector('#{graph_id} .js-plotly-plot');"
        "return g && g.data ? g.data.map(t => t.name || '').join('|') : '';"
    )
    return str(driver.execute_script(script))


def press(driver: WebDriver, css: str) -> None:
    """A click event on the element itself, scrolled into view (the graphs' floating mode bars
    and the fixed navbar can overlap a point a pointer click would use)."""
    element = wait_for(driver, css, TIMEOUT)
    driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", element
    )


def test_intervals_of_operating_points_and_calibration_in_english_and_japanese(
    driver: WebDriver, dashboard_url: str
) -> None:
    """The Threshold page's matched operating points (each value and difference with its
    interval, the optimism note, the holdout switch) and the calibration legend's ECE with its
    interval, in English, then in Japanese."""
    open_page(driver, dashboard_url, nav="threshold")
    table = f"#{ids.OP_MATCHED_POINTS}"
    wait_for_text(driver, table, "version 2", TIMEOUT)
    assert "optimistic" in wait_for(driver, table, TIMEOUT).text
    rows = driver.find_elements(By.CSS_SELECTOR, f"{table} tbody tr")
    assert [r.text.split()[0:2] for r in rows] == [["version", "1"], ["version", "2"]]
    assert all("[" in r.text for r in rows)  # every value with its interval
    press(driver, f"#{ids.OP_HOLDOUT}")
    wait_for_text(driver, table, "holdout split", TIMEOUT)
    press(driver, "#nav-curves")
    until(
        lambda: (
            legend_of(driver, ids.CALIBRATION_GRAPH).count("ECE") == 2
            and "[" in legend_of(driver, ids.CALIBRATION_GRAPH)
        ),
        "the calibration legend's ECE with its interval for both versions",
    )
    press(driver, f"#{ids.LANG_TOGGLE} input[value='ja']")
    press(driver, "#nav-threshold")
    wait_for_text(driver, f"#{ids.OP_MATCHED_TITLE}", "各バージョン自身のしきい値", TIMEOUT)
    wait_for_text(driver, table, "バージョン 2", TIMEOUT)
    press(driver, "#nav-slices")
    wait_for_text(driver, f"#{ids.SLICE_ROWS}", "バージョン 2", TIMEOUT)
    press(driver, f"#{ids.LANG_TOGGLE} input[value='en']")
    wait_for_text(driver, f"#{ids.TITLE}", "Model comparison dashboard", TIMEOUT)

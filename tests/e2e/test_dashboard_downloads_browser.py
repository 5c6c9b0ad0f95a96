"""Downloads in headless Chromium: the Overview's CSV button saves the metrics table as a file
(UTF-8 with a byte order mark, the rows the page shows), its label follows the language, and a
chart's modebar saves the chart as SVG beside plotly's PNG camera."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from champion.dashboard import ids

from .browser import wait_for, wait_for_dash, wait_for_text
from .test_dashboard_browser import TIMEOUT, until


@pytest.fixture
def downloads(driver: WebDriver, tmp_path: Path) -> Iterator[Path]:
    """A folder Chromium saves downloads to without asking (Chrome DevTools Protocol)."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    behaviour = {"behavior": "allow", "downloadPath": str(folder)}
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", behaviour)  # type: ignore[attr-defined]
    yield folder
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "default"})  # type: ignore[attr-defined]


def saved(folder: Path, suffix: str) -> Path | None:
    """The one finished download ending in suffix, or None (Chromium writes *.crdownload
    first)."""
    found = [p for p in folder.iterdir() if p.name.endswith(suffix)]
    return found[0] if len(found) == 1 else None


def css_id(component_id: dict[str, str]) -> str:
    """A CSS selector of a pattern-matching id (Dash writes it as JSON with sorted keys)."""
    text = json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return f"[id='{text}']"


def table_rows(driver: WebDriver) -> list[list[str]]:
    """The metrics table's header and rows as the page shows them."""
    table = driver.find_element(By.ID, ids.OVERVIEW_TABLE)
    return [
        [cell.text for cell in row.find_elements(By.CSS_SELECTOR, "th, td")]
        for row in table.find_elements(By.CSS_SELECTOR, "tr")
    ]


def test_the_overview_csv_button_saves_the_table_it_shows(
    driver: WebDriver, dashboard_url: str, downloads: Path
) -> None:
    driver.get(dashboard_url)
    wait_for_dash(driver, TIMEOUT)
    wait_for_text(driver, f"#{ids.OVERVIEW_TABLE}", "ROC AUC", TIMEOUT)
    button = wait_for(driver, css_id(ids.csv_button(ids.CSV_OVERVIEW)), TIMEOUT)
    assert button.text == "Download CSV"
    button.click()
    file = until(lambda: saved(downloads, ".csv"), "a CSV file in the download folder")
    assert file.name == "champion-titanic-survival-overview-v1-v2.csv"
    data = file.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    shown = table_rows(driver)
    assert [row[0] for row in rows] == [row[0] for row in shown]  # every metric, in order
    assert rows[0] == shown[0]
    assert len(rows[1]) == len(shown[1])

    # the label follows the language, on this page and on the next one opened
    wait_for(driver, f"#{ids.LANG_TOGGLE} input[value='ja']", TIMEOUT).click()
    wait_for_text(driver, css_id(ids.csv_button(ids.CSV_OVERVIEW)), "CSV ダウンロード", TIMEOUT)
    wait_for(driver, "#nav-slices", TIMEOUT).click()
    wait_for_text(driver, css_id(ids.csv_button(ids.CSV_SLICES)), "CSV ダウンロード", TIMEOUT)
    wait_for(driver, f"#{ids.LANG_TOGGLE} input[value='en']", TIMEOUT).click()


def test_a_chart_saves_as_svg_beside_the_png_camera(
    driver: WebDriver, dashboard_url: str, downloads: Path
) -> None:
    driver.get(dashboard_url)
    wait_for_dash(driver, TIMEOUT)
    graph = f"#{ids.METRICS_BAR}"
    wait_for(driver, f"{graph} .main-svg", TIMEOUT)
    titles = until(
        lambda: [
            b.get_attribute("data-title")
            for b in driver.find_elements(By.CSS_SELECTOR, f"{graph} .modebar-btn")
        ],
        "the modebar's buttons",
    )
    assert {"Download plot as a PNG", "Download plot as SVG"} <= set(titles)
    svg = driver.find_element(By.CSS_SELECTOR, f"{graph} .modebar-btn[data-title$='SVG']")
    driver.execute_script("arguments[0].click();", svg)  # the modebar shows on hover only
    file = until(lambda: saved(downloads, ".svg"), "an SVG file in the download folder")
    assert file.name == f"champion-{ids.METRICS_BAR}.svg"
    assert file.read_text(encoding="utf-8").lstrip().startswith("<svg")


def test_download_report_saves_the_decision_record_that_opens_offline(
    driver: WebDriver, dashboard_url: str, downloads: Path
) -> None:
    driver.get(dashboard_url)
    wait_for_dash(driver, TIMEOUT)
    wait_for_text(driver, f"#{ids.OVERVIEW_TABLE}", "ROC AUC", TIMEOUT)
    wait_for_text(driver, f"#{ids.REPORT_BUTTON}", "Download report", TIMEOUT).click()
    file = until(lambda: saved(downloads, ".html"), "an HTML report in the download folder")
    assert file.name == "champion-titanic-survival-report-v1-v2.html"
    text = file.read_text(encoding="utf-8")
    assert "version 2 vs champion (version 1)" in text
    # the saved file opens from disk with every figure drawn
    driver.get(file.as_uri())
    until(
        lambda: driver.execute_script(
            "const p = [...document.querySelectorAll('.js-plotly-plot')];"
            "return p.length > 3 && p.every(g => g.data && g.data.length > 0);"
        ),
        "every figure of the saved report drawn",
    )

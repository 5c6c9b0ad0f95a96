"""Screenshots of the demo dashboard's pages for the README, taken with headless Chromium.

    .venv/bin/python scripts/make_screenshots.py [--out docs/screenshots] [--workdir DIR]

Prepares (or reuses) the Titanic and the penguins demo stores, serves each dashboard on a free
loopback port in a thread, and saves one PNG per page in English (the penguins pages as
penguins-<page>.png), plus each overview in Japanese. Needs Debian's chromium and
chromium-driver (scripts/install-browser.sh).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from champion.dashboard.app import create_app
from champion.dashboard.config import DashboardConfig
from champion.demo import DemoSetup, prepare_demo

PAGES = (
    ("overview", None, "#overview-table"),
    ("curves", "#nav-curves", "#curves-roc .js-plotly-plot"),
    ("threshold", "#nav-threshold", "#threshold-metrics-graph .js-plotly-plot"),
    ("slices", "#nav-slices", "#slices-graph .js-plotly-plot"),
    ("disagreements", "#nav-disagreements", "#disagree-grid .ag-row"),
    ("registry", "#nav-registry", "#registry-trend .js-plotly-plot"),
)
MULTICLASS_PAGES = (
    ("overview", None, "#mc-metrics-rows"),
    ("curves", "#nav-curves", "#mc-curves-roc .js-plotly-plot"),
    ("decision", "#nav-decision", "#mc-coverage .js-plotly-plot"),
    ("classes", "#nav-classes", "#mc-confusion-difference .js-plotly-plot"),
)


def browser(profile: Path) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1050",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def settle(driver: webdriver.Chrome, css: str) -> None:
    WebDriverWait(driver, 60).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))
    time.sleep(2.0)  # let plotly finish drawing


def shoot(
    setup: DemoSetup, pages: tuple[tuple[str, str | None, str], ...], prefix: str, out: Path
) -> None:
    """Serve setup's dashboard and save each page (name, navigation link, element to wait for)
    as out/<prefix><name>.png, then the overview in Japanese."""
    config = DashboardConfig(
        tracking_uri=setup.tracking_uri,
        model_name=setup.model_name,
        data_source=setup.data_source,
        recipe=setup.recipe,
        cache_dir=setup.cache_dir,
    )
    server = make_server("127.0.0.1", 0, create_app(config).server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    driver = browser(Path(tempfile.mkdtemp()))
    try:
        driver.get(f"http://127.0.0.1:{server.server_port}/")
        for name, nav, ready in pages:
            if nav:
                driver.find_element(By.CSS_SELECTOR, nav).click()
            settle(driver, ready)
            driver.save_screenshot(str(out / f"{prefix}{name}.png"))
        driver.find_element(By.CSS_SELECTOR, "#nav-overview").click()
        driver.find_element(By.CSS_SELECTOR, "#lang-toggle input[value='ja']").click()
        settle(driver, pages[0][2])
        driver.save_screenshot(str(out / f"{prefix}overview-ja.png"))
    finally:
        driver.quit()
        server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.mkdtemp()))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    shoot(prepare_demo(args.workdir / "demo"), PAGES, "", args.out)
    penguins = prepare_demo(args.workdir / "penguins", dataset="penguins")
    shoot(penguins, MULTICLASS_PAGES, "penguins-", args.out)
    print(f"screenshots in {args.out}")


if __name__ == "__main__":
    main()

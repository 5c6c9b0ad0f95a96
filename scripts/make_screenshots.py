"""Screenshots of the demo dashboard's pages for the README, taken with headless Chromium.

    .venv/bin/python scripts/make_screenshots.py [--out docs/screenshots] [--workdir DIR]

Prepares (or reuses) a demo store, serves the dashboard on a free loopback port in a thread,
and saves one PNG per page in English, plus the overview in Japanese. Needs Debian's chromium
and chromium-driver (scripts/install-browser.sh).
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
from champion.demo import prepare_demo

PAGES = (
    ("overview", None, "#overview-table"),
    ("curves", "#nav-curves", "#curves-roc .js-plotly-plot"),
    ("threshold", "#nav-threshold", "#threshold-metrics-graph .js-plotly-plot"),
    ("slices", "#nav-slices", "#slices-graph .js-plotly-plot"),
    ("disagreements", "#nav-disagreements", "#disagree-grid .ag-row"),
    ("registry", "#nav-registry", "#registry-trend .js-plotly-plot"),
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.mkdtemp()) / "demo")
    args = parser.parse_args()
    setup = prepare_demo(args.workdir)
    config = DashboardConfig(
        tracking_uri=setup.tracking_uri,
        model_name=setup.model_name,
        data_source=setup.data_source,
        recipe=setup.recipe,
        cache_dir=setup.cache_dir,
    )
    server = make_server("127.0.0.1", 0, create_app(config).server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/"
    args.out.mkdir(parents=True, exist_ok=True)
    driver = browser(Path(tempfile.mkdtemp()))
    try:
        driver.get(url)
        for name, nav, ready in PAGES:
            if nav:
                driver.find_element(By.CSS_SELECTOR, nav).click()
            settle(driver, ready)
            driver.save_screenshot(str(args.out / f"{name}.png"))
        driver.find_element(By.CSS_SELECTOR, "#nav-overview").click()
        driver.find_element(By.CSS_SELECTOR, "#lang-toggle input[value='ja']").click()
        settle(driver, "#overview-table")
        driver.save_screenshot(str(args.out / "overview-ja.png"))
    finally:
        driver.quit()
        server.shutdown()
    print(f"screenshots in {args.out}")


if __name__ == "__main__":
    main()

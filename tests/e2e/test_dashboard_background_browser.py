"""Pages whose results are computed in the background (inline_budget=0: every paired
comparison and slice table, as at a million rows) show them when done, in headless Chromium.

The page asks for such work in the update that the activity poll's last look triggered, after
that look found nothing running; the page's "updates when done" notice restarts the poll
(shell.keep_polling), so the page learns the work is done without a reload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from champion.dashboard import ids
from champion.dashboard.app import create_app
from champion.dashboard.config import DashboardConfig
from champion.demo import prepare_demo

from .browser import wait_for, wait_for_text
from .test_dashboard_browser import TIMEOUT, open_page


@pytest.fixture(scope="module")
def background_config(tmp_path_factory: pytest.TempPathFactory) -> DashboardConfig:
    """The demo registry and test set, a cache of its own, nothing computed in a request."""
    setup = prepare_demo(tmp_path_factory.mktemp("background-demo"))
    return DashboardConfig(
        tracking_uri=setup.tracking_uri,
        model_name=setup.model_name,
        data_source=setup.data_source,
        recipe=setup.recipe,
        cache_dir=Path(setup.workdir) / "background-cache",
        n_boot=200,
        inline_budget=0,
    )


def test_a_comparison_computed_in_the_background_shows_when_done(
    driver: WebDriver, served_app: Any, background_config: DashboardConfig
) -> None:
    url = served_app(create_app(background_config)).url.rstrip("/")
    open_page(driver, url)
    verdict = wait_for_text(driver, f"#{ids.VERDICT}", "vs champion (version 1)", TIMEOUT)
    assert "version 2 vs champion (version 1)" in verdict.text
    wait_for_text(driver, "#overview-table", "ROC AUC", TIMEOUT)
    # the paired intervals' notice is gone, and the poll with it
    assert not driver.find_elements("css selector", f"#{ids.COMPUTING_ALERT}")
    wait_for(driver, "#nav-slices", TIMEOUT).click()
    wait_for_text(driver, f"#{ids.SLICE_ROWS}", "Δ version 2", TIMEOUT)

"""A dashboard serving a Spark-scored test set (``champion serve --engine spark``) in headless
Chromium: the Overview's verdict and metrics table once Spark has scored and compared the
versions in the background, and the Slices page's notice of what to use instead."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from champion.dashboard import ids
from champion.dashboard.app import create_app
from spark.test_dashboard_spark import shared_setup, spark_config

from .browser import wait_for, wait_for_text
from .test_dashboard_browser import open_page

pytestmark = pytest.mark.spark

#: the versions may be scored on Spark while the page waits (the first test to use the store)
SPARK_TIMEOUT = 180.0


def test_the_overview_of_a_spark_scored_test_set(
    driver: WebDriver, served_app: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    setup = shared_setup(tmp_path_factory.getbasetemp())
    url = served_app(create_app(spark_config(setup))).url.rstrip("/")
    open_page(driver, url)
    # @champion (version 1) and @challenger (version 2), scored and compared by Spark
    verdict = wait_for_text(driver, f"#{ids.VERDICT}", "vs champion (version 1)", SPARK_TIMEOUT)
    assert "version 2 vs champion (version 1): ROC AUC" in verdict.text
    assert "on 3,000 rows" in verdict.text
    table = wait_for_text(driver, f"#{ids.OVERVIEW_TABLE}", "ROC AUC", SPARK_TIMEOUT)
    assert "version 1" in table.text
    assert "version 2" in table.text
    wait_for(driver, "#nav-slices", SPARK_TIMEOUT).click()
    note = wait_for_text(driver, ".alert-info", "Slices are not available", SPARK_TIMEOUT)
    assert "champion report with --slice" in note.text

"""Fixtures of the end-to-end (browser) tests.

browser          session: one headless Chromium shared by every e2e test (fails, never skips,
                 when Chromium is missing).
driver           function: that browser on a blank tab; on failure a screenshot, the page
                 source and the console log go to tests/e2e/artifacts/ (E2E_ARTIFACTS_DIR).
served_app       function: factory, served_app(app) -> ServedApp (.url), stopped after the test.
served_app_session  session: the same factory, stopped at the end of the session (to share
                 one slow-to-build app, e.g. the demo dashboard, between tests).
dashboard_url    session: the Titanic demo dashboard served once for every test using it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .browser import (
    ARTIFACTS_DIR,
    ServedApp,
    make_driver,
    require_browser,
    reset_browser,
    save_artifacts,
    start_app,
)

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

ServeApp = Callable[..., ServedApp]

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/e2e is an e2e test (so `-m "not e2e"` leaves them all out)."""
    for item in items:
        if _HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item (item.rep_setup, item.rep_call) for the fixtures."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _failed(item: pytest.Item) -> bool:
    return any(
        getattr(getattr(item, f"rep_{when}", None), "failed", False) for when in ("setup", "call")
    )


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """One headless Chromium for the whole session, with a fresh profile in tmp."""
    require_browser()
    driver = make_driver(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def driver(browser: WebDriver, request: pytest.FixtureRequest) -> Iterator[WebDriver]:
    """The session's browser on a blank tab; saves artifacts if the test fails."""
    reset_browser(browser)
    yield browser
    if _failed(request.node):
        saved = save_artifacts(browser, request.node.nodeid, ARTIFACTS_DIR)
        if saved:
            names = ", ".join(str(p) for p in saved)
            request.node.add_report_section("teardown", "e2e artifacts", names)
    reset_browser(browser)


def _factory() -> tuple[ServeApp, list[ServedApp]]:
    started: list[ServedApp] = []

    def serve(app: Any, *, path: str = "/", timeout: float = 30.0) -> ServedApp:
        served = start_app(app, path=path, timeout=timeout)
        started.append(served)
        return served

    return serve, started


@pytest.fixture
def served_app() -> Iterator[ServeApp]:
    """served_app(app, path="/", timeout=30) -> ServedApp: app on 127.0.0.1, for this test."""
    serve, started = _factory()
    yield serve
    for served in reversed(started):
        served.stop()


@pytest.fixture(scope="session")
def served_app_session() -> Iterator[ServeApp]:
    """Like served_app, but the apps run until the session ends."""
    serve, started = _factory()
    yield serve
    for served in reversed(started):
        served.stop()


@pytest.fixture(scope="session")
def dashboard_url(served_app_session: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The Titanic demo dashboard (three versions), served until the session ends."""
    from champion.dashboard.app import create_app
    from champion.dashboard.config import DashboardConfig
    from champion.demo import prepare_demo

    setup = prepare_demo(tmp_path_factory.mktemp("e2e-demo"))
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

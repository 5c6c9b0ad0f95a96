"""Logins in headless Chromium: the login form, every page under the Content-Security-Policy
without a violation in the console, who is logged in, logout, and the viewer's read-only view."""

from __future__ import annotations

import time
from typing import Any

import pytest
from selenium.common.exceptions import ElementClickInterceptedException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from champion.dashboard import ids
from champion.dashboard.app import create_app
from champion.dashboard.auth import add_user
from champion.dashboard.config import DashboardConfig
from champion.demo import prepare_demo

from .browser import console_log, wait_for, wait_for_dash, wait_for_text

TIMEOUT = 40.0
OPERATOR = ("olga", "operator-pass")
VIEWER = ("victor", "viewer-pass")
# each page, and an element that shows it has drawn (a Plotly chart, the grid)
PAGES = (
    ("overview", f"#{ids.METRICS_BAR} .js-plotly-plot .main-svg"),
    ("curves", f"#{ids.ROC_GRAPH} .js-plotly-plot .main-svg"),
    ("threshold", f"#{ids.THRESHOLD_METRICS_GRAPH} .js-plotly-plot .main-svg"),
    ("slices", f"#{ids.SLICE_GRAPH} .js-plotly-plot .main-svg"),
    ("disagreements", f"#{ids.DISAGREE_GRID} .ag-root"),
    ("registry", f"#{ids.TREND_GRAPH} .js-plotly-plot .main-svg"),
)


@pytest.fixture(scope="module")
def site(served_app_session: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo dashboard with an operator and a viewer, on loopback."""
    folder = tmp_path_factory.mktemp("e2e-auth")
    setup = prepare_demo(folder / "demo")
    users = folder / "users.json"
    add_user(users, *OPERATOR, role="operator")
    add_user(users, *VIEWER, role="viewer")
    config = DashboardConfig(
        tracking_uri=setup.tracking_uri,
        model_name=setup.model_name,
        data_source=setup.data_source,
        recipe=setup.recipe,
        cache_dir=setup.cache_dir,
        n_boot=200,
        users_file=users,
        secret_key="e2e-" + "x" * 40,
    )
    url: str = served_app_session(create_app(config), path="/health").url
    return url.rstrip("/")


SNAPSHOT = """
const done = arguments[arguments.length - 1];
Plotly.toImage(document.querySelector(arguments[0]), {format: 'png'})
    .then(url => done(url.slice(0, 40)), err => done('failed: ' + err));
"""


def log_in(driver: WebDriver, name: str, password: str) -> None:
    wait_for(driver, f"#{ids.LOGIN_NAME}", TIMEOUT).send_keys(name)
    driver.find_element(By.ID, ids.LOGIN_PASSWORD).send_keys(password)
    driver.find_element(By.ID, ids.LOGIN_SUBMIT).click()


def policy_violations(driver: WebDriver) -> list[str]:
    """Console lines about the Content-Security-Policy (Chromium logs each blocked action)."""
    return [line for line in console_log(driver) if "Content Security Policy" in line]


def test_operator_sees_every_page_under_the_policy_then_logs_out(
    driver: WebDriver, site: str
) -> None:
    driver.get(f"{site}/curves")
    assert "/login?next=/curves" in driver.current_url
    log_in(driver, *OPERATOR)
    wait_for_dash(driver, TIMEOUT)
    assert driver.current_url == f"{site}/curves"  # back where the login interrupted
    wait_for_text(driver, f"#{ids.USER_NAME}", "olga (operator)", TIMEOUT)
    for page, drawn in PAGES:
        wait_for(driver, f"#nav-{page}", TIMEOUT).click()
        wait_for(driver, drawn, TIMEOUT)
        wait_for_dash(driver, TIMEOUT)
    wait_for(driver, f"#{ids.PROMOTE_OPEN}", TIMEOUT)  # an operator gets the write controls
    # what the charts' "download plot as PNG" button does (through a blob: image)
    png = driver.execute_async_script(SNAPSHOT, f"#{ids.TREND_GRAPH} .js-plotly-plot")
    assert png.startswith("data:image/png;base64,"), png
    assert policy_violations(driver) == []
    assert [line for line in console_log(driver) if line.startswith("SEVERE")] == []

    wait_for(driver, f"#{ids.LOGOUT_BUTTON}", TIMEOUT).click()
    wait_for(driver, f"#{ids.LOGIN_FORM}", TIMEOUT)
    driver.get(f"{site}/registry")
    wait_for(driver, f"#{ids.LOGIN_FORM}", TIMEOUT)  # the session is over
    assert policy_violations(driver) == []


def test_viewer_logs_in_and_gets_no_write_controls(driver: WebDriver, site: str) -> None:
    driver.get(site)
    log_in(driver, VIEWER[0], OPERATOR[1])
    wait_for_text(driver, f"#{ids.LOGIN_ERROR}", "Wrong name or password.", TIMEOUT)
    assert driver.find_element(By.ID, ids.LOGIN_NAME).get_attribute("value") == VIEWER[0]
    driver.find_element(By.ID, ids.LOGIN_NAME).clear()
    log_in(driver, *VIEWER)
    wait_for_dash(driver, TIMEOUT)
    wait_for_text(driver, f"#{ids.USER_NAME}", "victor (viewer)", TIMEOUT)
    wait_for(driver, "#nav-registry", TIMEOUT).click()
    wait_for(driver, f"#{ids.TREND_GRAPH} .js-plotly-plot .main-svg", TIMEOUT)
    wait_for_text(driver, f"#{ids.ACTIONS_PANEL}", "Read-only", TIMEOUT)
    wait_for_dash(driver, TIMEOUT)
    assert driver.find_elements(By.ID, ids.PROMOTE_OPEN) == []
    assert policy_violations(driver) == []


def test_the_policy_check_sees_a_violation(driver: WebDriver, site: str) -> None:
    """policy_violations is not blind: an inline script the policy does not list is reported."""
    driver.get(f"{site}/login")
    wait_for(driver, f"#{ids.LOGIN_FORM}", TIMEOUT)
    driver.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.x = 1';"
        "document.body.appendChild(s);"
    )
    wait_for(driver, "body", TIMEOUT)
    assert driver.execute_script("return window.x === undefined")
    assert any("script-src" in line for line in policy_violations(driver))


def click(driver: WebDriver, element: Any, attempts: int = 10) -> None:
    """Scroll element to the middle of the window, then click it as a user would; while the
    page still moves (the history loads below), the click may land elsewhere: try again."""
    for attempt in range(attempts):
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        try:
            element.click()
            return
        except ElementClickInterceptedException:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)


def confirm_in_dialog(driver: WebDriver, reason: str, version: str) -> None:
    """Fill the confirmation dialog (forcing a failed gate, on the record) and confirm."""
    wait_for(driver, f"#{ids.ACTION_REASON}", TIMEOUT).send_keys(reason)
    driver.find_element(By.ID, ids.ACTION_TYPED).send_keys(version)
    if "Gate FAILED" in driver.find_element(By.ID, ids.ACTION_SUMMARY).text:
        driver.find_element(By.ID, ids.ACTION_FORCE).click()
    driver.find_element(By.ID, ids.ACTION_CONFIRM).click()


def test_operator_promotes_version_2_sees_the_timeline_and_rolls_back(
    driver: WebDriver, site: str
) -> None:
    driver.get(f"{site}/login")
    driver.delete_all_cookies()  # whoever the earlier tests left logged in
    driver.get(f"{site}/registry")
    log_in(driver, *OPERATOR)
    wait_for_dash(driver, TIMEOUT)
    wait_for_text(driver, f"#{ids.CHAMPION_STATUS}", "@champion -> version 1", TIMEOUT)
    click(driver, wait_for(driver, f"#{ids.PROMOTE_VERSION}", TIMEOUT))
    options = driver.find_elements(By.XPATH, "//*[@role='option']")
    click(driver, next(o for o in options if o.text == "version 2"))
    click(driver, driver.find_element(By.ID, ids.PROMOTE_OPEN))
    wait_for_text(driver, f"#{ids.ACTION_SUMMARY}", "Gate", TIMEOUT)
    confirm_in_dialog(driver, "better recall in the spring data", "2")
    wait_for_text(driver, f"#{ids.CHAMPION_STATUS}", "@champion -> version 2", TIMEOUT)
    timeline = wait_for_text(
        driver, f"#{ids.HISTORY_TIMELINE}", "better recall in the spring data", TIMEOUT
    )
    assert "olga" in timeline.text
    assert "version 1 → version 2" in timeline.text

    click(driver, driver.find_element(By.ID, ids.ROLLBACK_OPEN))
    wait_for_text(driver, f"#{ids.ACTION_TITLE}", "Roll back: version 1", TIMEOUT)
    confirm_in_dialog(driver, "canary errors doubled", "1")
    wait_for_text(driver, f"#{ids.CHAMPION_STATUS}", "@champion -> version 1", TIMEOUT)
    wait_for_text(driver, f"#{ids.HISTORY_TIMELINE}", "canary errors doubled", TIMEOUT)
    assert policy_violations(driver) == []


FORGE = """
const done = arguments[arguments.length - 1];
fetch('/_dash-dependencies').then(r => r.json()).then(deps => {
  const cb = deps.find(d => d.output.includes(arguments[0]));
  const values = arguments[1];
  const fill = items => items.map(i => ({...i, value: values[i.id + '.' + i.property] ?? null}));
  const outputs = cb.output.replace(/^\\.\\./, '').replace(/\\.\\.$/, '').split('...')
    .map(o => { const k = o.lastIndexOf('.');
                return {id: o.slice(0, k), property: o.slice(k + 1)}; });
  const body = {output: cb.output, outputs: outputs, inputs: fill(cb.inputs),
                state: fill(cb.state), changedPropIds: [arguments[2]]};
  return fetch('/_dash-update-component', {method: 'POST',
      headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
}).then(r => r.text().then(t => done(r.status + ' ' + t)), e => done('error ' + e));
"""


def test_a_viewer_forging_the_promote_callback_changes_nothing(
    driver: WebDriver, site: str
) -> None:
    driver.get(f"{site}/login")
    driver.delete_all_cookies()
    driver.get(f"{site}/registry")
    log_in(driver, *VIEWER)
    wait_for_dash(driver, TIMEOUT)
    wait_for_text(driver, f"#{ids.CHAMPION_STATUS}", "@champion -> version 1", TIMEOUT)
    values = {
        f"{ids.ACTION_CONFIRM}.n_clicks": 1,
        f"{ids.ACTION_STORE}.data": {"action": "promote", "version": "3", "expected": "1"},
        f"{ids.ACTION_REASON}.value": "forged",
        f"{ids.ACTION_TYPED}.value": "3",
        f"{ids.ACTION_FORCE}.value": True,
        f"{ids.REGISTRY_REFRESH}.data": 0,
    }
    answer = driver.execute_async_script(
        FORGE, f"{ids.REGISTRY_REFRESH}.data", values, f"{ids.ACTION_CONFIRM}.n_clicks"
    )
    assert answer.startswith("200 "), answer[:300]
    assert "not an operator" in answer
    driver.refresh()
    wait_for_dash(driver, TIMEOUT)
    wait_for_text(driver, f"#{ids.CHAMPION_STATUS}", "@champion -> version 1", TIMEOUT)


def test_too_many_failed_logins_are_answered_with_a_wait(driver: WebDriver, site: str) -> None:
    driver.get(f"{site}/login")
    driver.delete_all_cookies()
    for attempt in range(6):  # a name of nobody: the others' logins are not held up
        driver.get(f"{site}/login")
        log_in(driver, "mallory", f"guess-{attempt}")
        wait_for(driver, f"#{ids.LOGIN_ERROR}", TIMEOUT)
    wait_for_text(driver, f"#{ids.LOGIN_ERROR}", "Too many failed logins", TIMEOUT)
    assert "Try again in 15 min." in driver.find_element(By.ID, ids.LOGIN_ERROR).text
    assert policy_violations(driver) == []

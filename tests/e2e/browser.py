"""Headless Chromium and a loopback Dash server for the end-to-end tests.

The browser is Debian's ``chromium`` driven by Debian's ``chromedriver`` (both installed by
``scripts/install-browser.sh``, which ``make test`` runs first). Nothing here reaches the
network beyond 127.0.0.1: Chromium's background networking, component updates, sync and QUIC
are off, and proxies are bypassed.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement

CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("E2E_CHROMEDRIVER", "/usr/bin/chromedriver"))
INSTALL_HINT = "run `bash scripts/install-browser.sh` (or `make browser`) as root"

CHROME_ARGS: tuple[str, ...] = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-proxy-server",
    "--window-size=1400,1000",
)

ARTIFACTS_DIR = Path(
    os.environ.get("E2E_ARTIFACTS_DIR", str(Path(__file__).resolve().parent / "artifacts"))
)
DEFAULT_TIMEOUT = float(os.environ.get("E2E_TIMEOUT", "15"))
LOOPBACK = "127.0.0.1"


# --------------------------------------------------------------------------- browser


def require_browser(chromium: Path = CHROMIUM, chromedriver: Path = CHROMEDRIVER) -> None:
    """Fail the test (never skip it) when Chromium or chromedriver is not installed."""
    missing = [str(p) for p in (chromium, chromedriver) if not os.access(p, os.X_OK)]
    if missing:
        pytest.fail(
            f"end-to-end tests need Chromium and chromedriver; missing: {', '.join(missing)}. "
            f"To install them, {INSTALL_HINT}.",
            pytrace=False,
        )


def make_driver(user_data_dir: Path, *, window_size: tuple[int, int] = (1400, 1000)) -> WebDriver:
    """Start headless Chromium with a fresh profile in user_data_dir and return its driver."""
    require_browser()
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in CHROME_ARGS:
        if arg.startswith("--window-size="):
            arg = f"--window-size={window_size[0]},{window_size[1]}"
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={user_data_dir}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(str(CHROMEDRIVER))
    try:
        driver = webdriver.Chrome(service=service, options=options)
    except WebDriverException as exc:
        pytest.fail(
            f"could not start headless Chromium ({CHROMIUM}) with {CHROMEDRIVER}: {exc.msg}. "
            f"Their versions must match; to (re)install them, {INSTALL_HINT}.",
            pytrace=False,
        )
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(30)
    return driver


def browser_versions(driver: WebDriver) -> str:
    """'Chromium X / chromedriver Y' of a running driver."""
    caps: dict[str, Any] = driver.capabilities
    chrome_driver = str(caps.get("chrome", {}).get("chromedriverVersion", "?")).split(" ")[0]
    return f"Chromium {caps.get('browserVersion', '?')} / chromedriver {chrome_driver}"


_CONSOLE: dict[int, list[str]] = {}  # id(driver) -> console entries read so far


def reset_browser(driver: WebDriver) -> None:
    """Leave the page, drop cookies, storage and the console log: a blank tab for the next test."""
    with contextlib.suppress(Exception):  # Dash persistence and dcc.Store live in web storage
        driver.execute_script("localStorage.clear(); sessionStorage.clear();")
    with contextlib.suppress(Exception):
        # A failed test may leave extra windows or an alert: keep the first window only.
        handles = driver.window_handles
        for handle in handles[1:]:
            driver.switch_to.window(handle)
            driver.close()
        driver.switch_to.window(handles[0])
    driver.get("about:blank")
    driver.delete_all_cookies()
    console_log(driver)
    _CONSOLE.pop(id(driver), None)


def console_log(driver: WebDriver) -> list[str]:
    """The browser console entries ("LEVEL message") since the last reset_browser()."""
    seen = _CONSOLE.setdefault(id(driver), [])
    try:
        entries = driver.get_log("browser")  # type: ignore[attr-defined]  # Chrome only
    except Exception:  # the driver may be gone, or not support logs
        entries = []
    seen.extend(f"{e.get('level', '?')} {e.get('message', '')}" for e in entries)
    return list(seen)


def save_artifacts(driver: WebDriver, name: str, directory: Path = ARTIFACTS_DIR) -> list[Path]:
    """Save a screenshot, the page source and the console log as directory/name.{png,html,log}."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")[:150] or "test"
    saved: list[Path] = []
    png, html, log = (directory / f"{stem}{ext}" for ext in (".png", ".html", ".log"))
    with contextlib.suppress(Exception):
        if driver.save_screenshot(str(png)):
            saved.append(png)
    with contextlib.suppress(Exception):
        html.write_text(driver.page_source, encoding="utf-8")
        saved.append(html)
    with contextlib.suppress(Exception):
        url = driver.current_url
        lines = [f"url: {url}", browser_versions(driver), "console:", *console_log(driver)]
        log.write_text("\n".join(lines) + "\n", encoding="utf-8")
        saved.append(log)
    return saved


# --------------------------------------------------------------------------- waiting


def _wait(
    driver: WebDriver, timeout: float, condition: Any, describe: Any, poll: float = 0.1
) -> Any:
    """Poll condition(driver) until it returns something truthy; fail with describe() if not."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            result = condition(driver)
            if result:
                return result
        except Exception as exc:  # stale elements, page reloads: try again
            last_error = exc
        if time.monotonic() >= deadline:
            break
        time.sleep(poll)
    detail = f" (last error: {type(last_error).__name__}: {last_error})" if last_error else ""
    console = [line for line in console_log(driver) if line.startswith("SEVERE")]
    errors = "\n  browser console errors:\n    " + "\n    ".join(console) if console else ""
    raise AssertionError(
        f"after {timeout:g}s on {driver.current_url}: {describe()}{detail}{errors}"
    )


def wait_for(driver: WebDriver, css: str, timeout: float = DEFAULT_TIMEOUT) -> WebElement:
    """Wait until an element matching css is in the page and displayed; return it."""
    from selenium.webdriver.common.by import By

    def found(d: WebDriver) -> WebElement | None:
        for element in d.find_elements(By.CSS_SELECTOR, css):
            if element.is_displayed():
                return element
        return None

    def describe() -> str:
        n = len(driver.find_elements(By.CSS_SELECTOR, css))
        if n:
            return f"{n} element(s) match {css!r} but none is displayed"
        return f"no element matches {css!r}"

    result: WebElement = _wait(driver, timeout, found, describe)
    return result


def wait_for_text(
    driver: WebDriver, css: str, text: str, timeout: float = DEFAULT_TIMEOUT, *, exact: bool = False
) -> WebElement:
    """Wait until an element matching css shows text (a substring, or all of it if exact)."""
    from selenium.webdriver.common.by import By

    def shown(d: WebDriver) -> WebElement | None:
        for element in d.find_elements(By.CSS_SELECTOR, css):
            seen = element.text
            if (seen.strip() == text.strip()) if exact else (text in seen):
                return element
        return None

    def describe() -> str:
        texts = [e.text for e in driver.find_elements(By.CSS_SELECTOR, css)]
        if not texts:
            return f"no element matches {css!r} (waiting for text {text!r})"
        shown_texts = ", ".join(repr(t[:200]) for t in texts[:5])
        how = "exactly" if exact else "containing"
        return f"{css!r} never showed text {how} {text!r}; it shows: {shown_texts}"

    result: WebElement = _wait(driver, timeout, shown, describe)
    return result


def wait_for_dash(driver: WebDriver, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Wait until the Dash renderer has drawn the layout and no callback is pending."""
    script = """
        const root = document.getElementById('react-entry-point');
        if (!root || root.children.length === 0) return 'no layout rendered in #react-entry-point';
        if (root.querySelector('._dash-loading')) return 'Dash is still loading';
        const busy = document.querySelectorAll('[data-dash-is-loading="true"]').length;
        if (busy) return busy + ' component(s) still loading';
        return '';
    """
    state = {"last": "not checked"}

    def ready(d: WebDriver) -> bool:
        state["last"] = str(d.execute_script(script))
        return state["last"] == ""

    _wait(driver, timeout, ready, lambda: f"Dash app not ready: {state['last']}")


def graph_trace_count(driver: WebDriver, graph_id: str) -> int:
    """How many traces the dcc.Graph with this id draws (read from Plotly's DOM node)."""
    count = driver.execute_script(
        "const el = document.querySelector(arguments[0]);"
        "return el && el.data ? el.data.length : null;",
        f"#{graph_id} .js-plotly-plot",
    )
    assert count is not None, f"no Plotly figure drawn in #{graph_id}"
    return int(count)


# --------------------------------------------------------------------------- serving


class _QuietHandler(WSGIRequestHandler):
    """Log only failed requests (4xx/5xx), not every asset and callback."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if str(code)[:1] in {"4", "5"}:
            super().log_request(code, size)


@dataclass
class ServedApp:
    """A Dash (or any WSGI) app served on 127.0.0.1 in a background thread."""

    url: str
    port: int
    server: BaseWSGIServer = field(repr=False)
    thread: threading.Thread = field(repr=False)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def _wsgi_app(app: Any) -> Any:
    """The WSGI callable of a dash.Dash (its Flask server) or of a WSGI app."""
    return getattr(app, "server", app)


def wait_until_answers(url: str, timeout: float = 30.0) -> None:
    """Wait until url answers an HTTP GET (any status below 500), bypassing proxies."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            with opener.open(url, timeout=5) as response:
                if response.status < 500:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
            last = f"HTTP {exc.code}"
        except OSError as exc:
            last = exc
        time.sleep(0.05)
    raise AssertionError(f"{url} did not answer within {timeout:g}s (last: {last})")


def start_app(app: Any, *, path: str = "/", timeout: float = 30.0) -> ServedApp:
    """Serve app on a free loopback port (threaded werkzeug, no reloader) until .stop()."""
    server = make_server(LOOPBACK, 0, _wsgi_app(app), threaded=True, request_handler=_QuietHandler)
    port = server.server_port
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"e2e-app-{port}",
        daemon=True,
    )
    thread.start()
    served = ServedApp(url=f"http://{LOOPBACK}:{port}", port=port, server=server, thread=thread)
    try:
        wait_until_answers(served.url + path, timeout)
    except BaseException:
        served.stop()
        raise
    return served


@contextlib.contextmanager
def serve_app(app: Any, *, path: str = "/", timeout: float = 30.0) -> Iterator[ServedApp]:
    """Context manager form of start_app (for module- or session-scoped fixtures)."""
    served = start_app(app, path=path, timeout=timeout)
    try:
        yield served
    finally:
        served.stop()

"""The HTML decision record opened from disk (file://) in headless Chromium with the network
off: every figure is drawn, the console has no error and no Content-Security-Policy violation,
and the file names no address to load anything from."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from champion.cli.main import champion as cli

from .browser import console_log

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

TIMEOUT = 30.0
# two classes: metrics, ROC, PR, calibration, gain, metrics by threshold, slices; three: metrics,
# F1 by class, two confusion matrices and their change, macro ROC and PR, slices
FIGURES = {"binary": 7, "multiclass": 8}
CLASSES = ("adelie", "chinstrap", "gentoo")


@pytest.fixture(scope="module")
def predictions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(11)
    n = 600
    y = rng.integers(0, 2, n)
    shared = rng.normal(0, 1, n)
    frame = pd.DataFrame(
        {
            "label": y,
            "group": rng.choice(["a", "b", "c"], n),
            "base": 1 / (1 + np.exp(-(shared + rng.normal(0, 1, n) + 0.9 * (2 * y - 1)))),
            "new": 1 / (1 + np.exp(-(shared + rng.normal(0, 1, n) + 1.4 * (2 * y - 1)))),
        }
    )
    path = tmp_path_factory.mktemp("report-e2e") / "predictions.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def class_predictions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(12)
    n = 450
    y = rng.integers(0, 3, n)
    frame = pd.DataFrame({"species": np.array(CLASSES)[y], "group": rng.choice(["a", "b"], n)})
    for name, strength in (("base", 1.2), ("new", 2.0)):
        logits = rng.normal(0, 1, (n, 3))
        logits[np.arange(n), y] += strength
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        for k, label in enumerate(CLASSES):
            frame[f"{name}_{label}"] = p[:, k]
    path = tmp_path_factory.mktemp("report-e2e-mc") / "classes.csv"
    frame.to_csv(path, index=False)
    return path


def write_report(predictions: Path, out: Path, lang: str, multiclass: bool = False) -> None:
    target, suffix, gate = ("species", "_*", "f1_macro") if multiclass else ("label", "", "roc_auc")
    command = [
        "report", "--predictions", str(predictions), "--target", target,
        "--score", f"base=base{suffix}", "--score", f"<b>new</b> & co=new{suffix}",
        "--n-boot", "200", "--gate", f"{gate}:not-worse", "--slice", "group", "--lang", lang,
        "--output", str(out),
    ]  # fmt: skip
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 0, result.output


class Page(HTMLParser):
    """The src / href of every element, and the meta tags."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[str] = []
        self.metas: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.addresses += [value or "" for name, value in attrs if name in ("src", "href")]
        if tag == "meta":
            self.metas.append(dict(attrs))


def go_offline(driver: WebDriver) -> None:
    driver.execute_cdp_cmd("Network.enable", {})  # type: ignore[attr-defined]
    driver.execute_cdp_cmd(  # type: ignore[attr-defined]
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )


def go_online(driver: WebDriver) -> None:
    driver.execute_cdp_cmd(  # type: ignore[attr-defined]
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    driver.execute_cdp_cmd("Network.disable", {})  # type: ignore[attr-defined]


def drawn(driver: WebDriver) -> list[int]:
    """Traces of each drawn plotly figure (its data), in page order."""
    counts: list[int] = driver.execute_script(
        "return Array.from(document.querySelectorAll('.figure.js-plotly-plot'))"
        ".filter(e => e.querySelector('.main-svg')).map(e => (e.data || []).length)"
    )
    return counts


def wait_for_figures(driver: WebDriver, count: int) -> list[int]:
    import time

    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        found = drawn(driver)
        if len(found) == count:
            return found
        time.sleep(0.2)
    raise AssertionError(
        f"{len(drawn(driver))} of {count} figures drawn; console: {console_log(driver)}"
    )


@pytest.mark.parametrize(
    ("kind", "lang"), [("binary", "en"), ("binary", "ja"), ("multiclass", "en")]
)
def test_the_report_draws_every_figure_offline_under_its_policy(
    driver: WebDriver,
    predictions: Path,
    class_predictions: Path,
    tmp_path: Path,
    kind: str,
    lang: str,
) -> None:
    out = tmp_path / "decision.html"
    multiclass = kind == "multiclass"
    write_report(class_predictions if multiclass else predictions, out, lang, multiclass)
    text = out.read_text(encoding="utf-8")

    page = Page()
    page.feed(text)
    assert not [a for a in page.addresses if re.match(r"(?i)\s*(https?:)?//", a)]
    assert page.addresses == ["data:,"]
    policies = [m for m in page.metas if m.get("http-equiv") == "Content-Security-Policy"]
    assert len(policies) == 1
    policy = policies[0]["content"] or ""
    assert "default-src 'none'" in policy
    assert "'unsafe-inline'" not in policy.split(";")[1]
    assert "http" not in policy

    go_offline(driver)
    try:
        driver.get(out.as_uri())
        assert driver.execute_script("return navigator.onLine") is False
        traces = wait_for_figures(driver, FIGURES[kind])
        assert all(n > 0 for n in traces), traces
        assert driver.execute_script("return typeof Plotly.newPlot") == "function"
        title = "判断記録" if lang == "ja" else "Decision record"
        assert driver.find_element("css selector", "h1").text == title
        # user text is text: the model's name shows as typed, nothing of it became markup
        legend = driver.execute_script(
            "return Array.from(document.querySelectorAll('.figure .legendtext'))"
            ".map(e => e.textContent)"
        )
        assert any("<b>new</b> & co" in entry for entry in legend), legend
        assert not driver.execute_script("return document.querySelector('.figure b, h1 b')")
    finally:
        go_online(driver)
    log = console_log(driver)
    assert [line for line in log if "Content Security Policy" in line] == []
    assert [line for line in log if line.startswith("SEVERE")] == []


def test_the_policy_blocks_a_script_it_does_not_list(
    driver: WebDriver, predictions: Path, tmp_path: Path
) -> None:
    """The checks above are not blind: an inline script the policy does not list is refused,
    and the console says so."""
    out = tmp_path / "decision.html"
    write_report(predictions, out, "en")
    driver.get(out.as_uri())
    wait_for_figures(driver, FIGURES["binary"])
    driver.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.injected = 1';"
        "document.body.appendChild(s);"
    )
    assert driver.execute_script("return window.injected === undefined")
    assert any("Content Security Policy" in line for line in console_log(driver))

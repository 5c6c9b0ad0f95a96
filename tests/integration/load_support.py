"""What the load and fault tests (``test_reliability.py``) send and measure.

``Browser`` makes the requests a browser makes of a served dashboard, one HTTP request each: a
page's Dash callback (``POST /_dash-update-component``, built by ``support.dash_client``) or a
plain GET. ``Sample`` is one timed request and what came back; ``latency_figures`` summarises
them (``latency_by_kind`` each kind of request apart). ``report`` prints a line (also in the
test's captured output, which pytest shows on failure) and adds the figures to the JSON file
named by ``CHAMPION_RELIABILITY_REPORT``, if set.
``BARRIER_PROMOTE`` runs the ``champion`` command line in its own process once a start file
appears, so that several processes promote at the same moment.
"""

from __future__ import annotations

import json
import math
import os
import random
import textwrap
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from champion.dashboard import ids
from support.dash_client import DashClient, http_client

REPORT_ENV = "CHAMPION_RELIABILITY_REPORT"
# read when the tests are collected: the session's fixtures then clear every CHAMPION_ variable
REPORT_FILE = os.environ.get(REPORT_ENV)
OK_STATUSES = frozenset({200, 204})  # a callback's content, or Dash's "no update"
PAGES = ("/", "/curves", "/threshold", "/slices", "/disagreements", "/registry")
UNREACHABLE = b"cannot reach the tracking server"


@dataclass(frozen=True)
class Sample:
    """One request: what was asked, when it started and ended (``time.monotonic``), the HTTP
    status (0 when it raised) and the body, or the exception's text."""

    kind: str
    started: float
    ended: float
    status: int
    body: bytes = b""
    error: str = ""

    @property
    def seconds(self) -> float:
        return self.ended - self.started

    @property
    def failed(self) -> bool:
        """Not an answer a browser can use: an exception, or a status other than 200 / 204."""
        return bool(self.error) or self.status not in OK_STATUSES

    @property
    def alert(self) -> bool:
        """The page shows an alert (an error, or work still running) instead of content."""
        return b'"type":"Alert"' in self.body

    @property
    def unreachable(self) -> bool:
        """The page says that the tracking server cannot be reached."""
        return UNREACHABLE in self.body

    def describe(self) -> str:
        text = self.error or self.body[:300].decode(errors="replace")
        return f"{self.kind}: status {self.status}: {text}"


class Recorder:
    """Samples from many threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.samples: list[Sample] = []

    def add(self, sample: Sample) -> None:
        with self._lock:
            self.samples.append(sample)

    def snapshot(self) -> list[Sample]:
        with self._lock:
            return list(self.samples)


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank q-quantile (0 < q <= 1) of values."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def latency_figures(samples: Sequence[Sample]) -> dict[str, float | int]:
    """Requests, errors and latency (p50, p95, max, in seconds) of samples."""
    seconds = [s.seconds for s in samples] or [0.0]
    return {
        "requests": len(samples),
        "errors": sum(s.failed for s in samples),
        "p50_s": round(percentile(seconds, 0.50), 4),
        "p95_s": round(percentile(seconds, 0.95), 4),
        "max_s": round(max(seconds), 4),
    }


def latency_by_kind(samples: Sequence[Sample]) -> dict[str, dict[str, float | int]]:
    """latency_figures of each kind of request, by kind."""
    kinds = sorted({s.kind for s in samples})
    return {kind: latency_figures([s for s in samples if s.kind == kind]) for kind in kinds}


def report(request: pytest.FixtureRequest, name: str, figures: dict[str, Any]) -> None:
    """Print the figures as one line (captured, so shown when the test fails; and written to
    the terminal now unless capture is off, when the print already shows); add them under
    name to the JSON file named by CHAMPION_RELIABILITY_REPORT (when the tests were collected)
    if it is set."""
    line = f"{name}: " + ", ".join(f"{key} {value}" for key, value in figures.items())
    print(line)
    plugins = request.config.pluginmanager
    terminal, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if request.config.getoption("capture") != "no" and terminal and capture:
        with capture.global_and_fixture_disabled():
            terminal.write_line("")
            terminal.write_line(line)
    if REPORT_FILE:
        path = Path(REPORT_FILE)
        try:
            known = json.loads(path.read_text())
        except (OSError, ValueError):
            known = {}
        if not isinstance(known, dict):
            known = {}
        known[name] = figures
        path.write_text(json.dumps(known, indent=2, sort_keys=True) + "\n")


class Browser:
    """One browser's requests to a served dashboard, each timed into a Sample."""

    def __init__(
        self,
        url: str,
        selections: Sequence[Sequence[str]],
        cuts: Sequence[float] = (0.5,),
        timeout: float = 120.0,
    ) -> None:
        """selections: the version selections to pick from; cuts: the thresholds the Overview
        is asked at (each is a paired comparison with intervals, computed once per host)."""
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.dash: DashClient = http_client(self.url, timeout=timeout)
        self.selections = [list(s) for s in selections]
        self.cuts = list(cuts)
        self.requests: dict[str, Callable[[random.Random], tuple[int, bytes]]] = {
            "picker": self.picker,
            "overview": self.overview,
            "curves": self.curves,
            "slider": self.slider,
            "threshold": self.threshold,
            "finder": self.finder,
            "slices": self.slices,
            "disagreements": self.disagreements,
            "registry": self.registry,
            "history": self.history,
            "jobs": self.jobs,
            "page": self.page,
            "get": self.get_page,
            "layout": self.layout,
        }

    # plain GETs -------------------------------------------------------------------------------

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=self.timeout) as response:
                return int(response.status), bytes(response.read())
        except urllib.error.HTTPError as err:
            return int(err.code), bytes(err.read())

    def get_page(self, rng: random.Random) -> tuple[int, bytes]:
        """A page's HTML, as on a reload or a typed address."""
        return self.get(rng.choice(PAGES))

    def layout(self, _rng: random.Random) -> tuple[int, bytes]:
        """The layout the page's scripts fetch after the HTML."""
        return self.get("/_dash-layout")

    # callbacks --------------------------------------------------------------------------------

    def call(self, output: str, values: dict[str, Any], changed: str) -> tuple[int, bytes]:
        return self.dash.call(output, values, [changed])

    def selection(self, rng: random.Random) -> list[str]:
        return list(rng.choice(self.selections))

    def page(self, rng: random.Random) -> tuple[int, bytes]:
        """Dash pages' routing callback: the layout of the page a link opens."""
        return self.call(
            "_pages_content.children",
            {"_pages_location.pathname": rng.choice(PAGES), "_pages_location.search": ""},
            "_pages_location.pathname",
        )

    def picker(self, rng: random.Random, path: str | None = None) -> tuple[int, bytes]:
        """The version picker (read afresh from the registry on every page change)."""
        return self.call(
            f"{ids.MODEL_PICKER}.options",
            {
                f"{ids.URL}.pathname": path or rng.choice(PAGES),
                f"{ids.LANG_STORE}.data": "en",
                f"{ids.VERSIONS_STORE}.data": None,
            },
            f"{ids.URL}.pathname",
        )

    def selected(self, versions: list[str], cut: float, **extra: Any) -> dict[str, Any]:
        return {
            f"{ids.VERSIONS_STORE}.data": versions,
            f"{ids.THRESHOLD_STORE}.data": cut,
            f"{ids.LANG_STORE}.data": "en",
            f"{ids.JOBS_STATUS}.children": "",
            **extra,
        }

    def overview(
        self, rng: random.Random, versions: list[str] | None = None, cut: float | None = None
    ) -> tuple[int, bytes]:
        """Overview: verdict, metrics table with intervals, bar chart."""
        chosen = versions or self.selection(rng)
        at = rng.choice(self.cuts) if cut is None else cut
        return self.call(
            f"{ids.VERDICT}.children", self.selected(chosen, at), f"{ids.VERSIONS_STORE}.data"
        )

    def curves(self, rng: random.Random) -> tuple[int, bytes]:
        """Curves at a threshold the slider set (the marker moves)."""
        cut = round(rng.uniform(0.05, 0.95), 2)
        values = self.selected(self.selection(rng), cut)
        return self.call(f"{ids.ROC_GRAPH}.figure", values, f"{ids.THRESHOLD_STORE}.data")

    def slider(self, rng: random.Random) -> tuple[int, bytes]:
        """The slider released at a new threshold: stored for every page."""
        cut = round(rng.uniform(0.0, 1.0), 2)
        return self.call(
            f"{ids.THRESHOLD_STORE}.data",
            {f"{ids.THRESHOLD_SLIDER}.value": cut},
            f"{ids.THRESHOLD_SLIDER}.value",
        )

    def threshold(self, rng: random.Random) -> tuple[int, bytes]:
        """Threshold page at a new threshold: confusion matrices and the metrics chart."""
        cut = round(rng.uniform(0.01, 0.99), 2)
        values = self.selected(self.selection(rng), cut)
        return self.call(f"{ids.CONFUSIONS}.children", values, f"{ids.THRESHOLD_STORE}.data")

    def finder(self, rng: random.Random) -> tuple[int, bytes]:
        """Threshold page's operating-point finder, with costs typed in."""
        values = {
            f"{ids.VERSIONS_STORE}.data": self.selection(rng),
            f"{ids.OP_CRITERION}.value": rng.choice(["cost", "f1", "youden"]),
            f"{ids.OP_COST_FP}.value": rng.randint(1, 5),
            f"{ids.OP_COST_FN}.value": rng.randint(1, 10),
            f"{ids.OP_CONSTRAINT}.value": 0.8,
            f"{ids.LANG_STORE}.data": "en",
            f"{ids.JOBS_STATUS}.children": "",
        }
        return self.call(f"{ids.OP_TABLE}.children", values, f"{ids.OP_COST_FN}.value")

    def slices(self, rng: random.Random) -> tuple[int, bytes]:
        """Slices of a column (a category, or quantile bins of a number)."""
        values = self.selected(
            self.selection(rng),
            0.5,
            **{
                f"{ids.SLICE_COLUMN}.value": rng.choice(["Pclass", "Sex", "Age", "Fare"]),
                f"{ids.SLICE_METRIC}.value": rng.choice(["roc_auc", "accuracy"]),
                f"{ids.SLICE_BINS}.value": rng.choice([2, 4]),
            },
        )
        return self.call(f"{ids.SLICE_TABLE}.children", values, f"{ids.SLICE_COLUMN}.value")

    def disagreements(self, rng: random.Random) -> tuple[int, bytes]:
        """Rows where a challenger and the champion disagree."""
        versions = self.selection(rng)
        values = self.selected(versions, 0.5, **{f"{ids.DISAGREE_CHALLENGER}.value": versions[-1]})
        return self.call(f"{ids.DISAGREE_GRID}.rowData", values, f"{ids.DISAGREE_CHALLENGER}.value")

    def registry(self, _rng: random.Random) -> tuple[int, bytes]:
        """Registry page: every version (read afresh) and the trend of a metric."""
        values = {
            f"{ids.TREND_METRIC}.value": "roc_auc",
            f"{ids.LANG_STORE}.data": "en",
            f"{ids.THRESHOLD_STORE}.data": 0.5,
            f"{ids.JOBS_STATUS}.children": "",
            f"{ids.REGISTRY_REFRESH}.data": 0,
        }
        return self.call(f"{ids.REGISTRY_TABLE}.children", values, f"{ids.TREND_METRIC}.value")

    def history(self, _rng: random.Random) -> tuple[int, bytes]:
        """Registry page: the champion's status and the history of its promotions."""
        values = {
            f"{ids.TREND_METRIC}.value": "roc_auc",
            f"{ids.REGISTRY_REFRESH}.data": 0,
            f"{ids.LANG_STORE}.data": "en",
        }
        return self.call(f"{ids.HISTORY_TIMELINE}.children", values, f"{ids.TREND_METRIC}.value")

    def jobs(self, rng: random.Random) -> tuple[int, bytes]:
        """The poll of the work running on the host."""
        values = {
            f"{ids.JOBS_POLL}.n_intervals": rng.randint(1, 100),
            f"{ids.VERSIONS_STORE}.data": self.selection(rng),
        }
        return self.call(f"{ids.JOBS_STATUS}.children", values, f"{ids.JOBS_POLL}.n_intervals")

    # timing -----------------------------------------------------------------------------------

    def timed(self, kind: str, send: Callable[[], tuple[int, bytes]]) -> Sample:
        """Send one request; its Sample, whatever happened."""
        started = time.monotonic()
        try:
            status, body = send()
        except Exception as err:  # the test reports it
            return Sample(kind, started, time.monotonic(), 0, error=f"{type(err).__name__}: {err}")
        return Sample(kind, started, time.monotonic(), status, body)

    def sample(self, kind: str, rng: random.Random) -> Sample:
        return self.timed(kind, lambda: self.requests[kind](rng))


def pages_show_versions(picker: Sample, registry: Sample) -> bool:
    """The picker offers the versions with the champion's alias and the Registry page lists
    them, with no error alert: the dashboard's normal content."""
    return (
        not picker.failed
        and not registry.failed
        and b"@champion" in picker.body
        and ids.REGISTRY_VERSIONS.encode() in registry.body
        and not picker.unreachable
        and not registry.unreachable
    )


# a ``champion`` command line in its own process that waits for a start file: imported and ready
# before the file appears, so that every process reads the alias and races for its lock together
BARRIER_PROMOTE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path

    import mlflow  # noqa: F401  (imported before the start, as the command's own imports are)
    from champion.actions import promote  # noqa: F401
    from champion.cli.main import champion
    from champion.models import MlflowRegistryWriter  # noqa: F401

    ready, start = Path(sys.argv[1]), Path(sys.argv[2])
    ready.touch()
    deadline = time.monotonic() + 300
    while not start.exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    champion.main(args=sys.argv[3:], prog_name="champion")
    """
)

"""Load and faults, against real processes on loopback ports: ``champion serve`` (gunicorn) in
front of an ``mlflow server`` (sqlite backend) whose registered model has three versions, scored
on the 20% test part of a Titanic file.

1. Load: 50 clients for 2 minutes on ``--workers 4``, a browser's mix of page callbacks and GETs;
   no request fails. p50 / p95 / max latency are printed (and written to the JSON file named by
   ``CHAMPION_RELIABILITY_REPORT``), not asserted.
2. The tracking server is killed while clients keep using the pages, and restarted ~10 s later
   on the same port over the same store: never an HTTP error; while it is down the pages say it
   cannot be reached; once it is back they show the versions again by themselves.
3. Ten ``champion promote`` processes expecting the same champion, at the same moment: one is
   applied, nine are conflicts, and ``champion history --verify`` finds the history intact.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pytest

from champion.dashboard.backend import MODEL_TTL
from champion.models import LOCK_PREFIX

from .actions_support import ModelKit
from .load_support import (
    BARRIER_PROMOTE,
    Browser,
    Recorder,
    Sample,
    latency_by_kind,
    latency_figures,
    pages_show_versions,
    report,
)
from .servers import RunningServer, champion_serve, free_port, start_server, stop_process

pytestmark = pytest.mark.slow

LOAD_CLIENTS = 50
LOAD_SECONDS = 120.0
LOAD_WORKERS = 4
# how often each request is picked, as a browser's pages make them
LOAD_MIX = {
    "overview": 3,
    "curves": 3,
    "slider": 2,
    "threshold": 4,
    "finder": 1,
    "slices": 2,
    "disagreements": 1,
    "registry": 2,
    "history": 1,
    "picker": 2,
    "jobs": 2,
    "page": 1,
    "get": 2,
    "layout": 1,
}
SELECTIONS = (["1", "2"], ["1", "3"], ["1", "2", "3"])
OVERVIEW_CUTS = (0.3, 0.5, 0.7)  # each a paired comparison, computed before the clock starts

OUTAGE_CLIENTS = 5
OUTAGE_WORKERS = 2
OUTAGE_KINDS = ("picker", "overview", "registry", "history", "curves", "threshold")
BEFORE_OUTAGE_SECONDS = 5.0
OUTAGE_SECONDS = 10.0
RECOVERY_LIMIT_SECONDS = 30.0

PROMOTERS = 10
VERDICT = b"vs champion (version 1)"


@dataclass
class Tracking:
    """The module's ``mlflow server``: one sqlite file and one port, whichever process serves."""

    root: Path
    db: Path
    port: int
    server: RunningServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start a server over the store on the port; wait until it answers."""
        self.server = start_server(self.root, self.db, port=self.port)

    def kill(self) -> None:
        """SIGKILL the server's whole process group: no shutdown, as in a crash."""
        assert self.server is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.server.process.pid, signal.SIGKILL)
        self.stop()

    def stop(self) -> None:
        if self.server is not None:
            stop_process(self.server.process)
            self.server = None


@pytest.fixture(scope="module")
def tracking(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tracking]:
    root = tmp_path_factory.mktemp("reliability-server")
    made = Tracking(root, root / "mlflow.db", free_port())
    made.start()
    try:
        yield made
    finally:
        made.stop()


@pytest.fixture(scope="module")
def logged(tracking: Tracking) -> ModelKit:
    """The three small classifiers, logged once on the module's server."""
    made = ModelKit(tracking.url)
    made.log_models()
    return made


@pytest.fixture(scope="module")
def serve_options(
    tracking: Tracking,
    logged: ModelKit,
    titanic_csv: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> list[str]:
    """``champion serve`` options for a model of three versions (@champion is version 1); one
    cache folder for the module, so a second server reads the first one's scores."""
    name = logged.new_model(["good", "good2", "worse"])
    cache = tmp_path_factory.mktemp("reliability-cache")
    return [
        "--tracking-uri",
        tracking.url,
        "--model",
        name,
        "--data",
        str(titanic_csv),
        "--recipe",
        "titanic",
        "--n-boot",
        "200",
        "--cache-dir",
        str(cache),
    ]


def until_normal(
    what: str, send: Callable[[], tuple[int, bytes]], expected: bytes, timeout: float
) -> None:
    """Repeat send() until its answer (200) contains expected."""
    deadline = time.monotonic() + timeout
    last = b""
    while time.monotonic() < deadline:
        status, last = send()
        assert status == 200, f"{what}: status {status}: {last[:500]!r}"
        if expected in last:
            return
        time.sleep(0.5)
    raise AssertionError(f"{what} not ready within {timeout:g} s; last: {last[:500]!r}")


def warm(url: str, threads: int) -> None:
    """Score the versions and compute what the pages show before any clock starts: every
    selection's verdict at every Overview threshold and the Registry page; then every request
    of the mix a few times from several connections, so every worker has read it."""
    browser = Browser(url, SELECTIONS, OVERVIEW_CUTS)
    rng = random.Random(0)
    for versions in SELECTIONS:
        for cut in OVERVIEW_CUTS:
            until_normal(
                f"the verdict of {versions} at {cut}",
                functools.partial(browser.overview, rng, list(versions), cut),
                VERDICT,
                timeout=240,
            )
    until_normal("the registry page", lambda: browser.registry(rng), b"registry-versions", 60)
    errors: list[str] = []

    def round_of_everything(number: int) -> None:
        local = Browser(url, SELECTIONS, OVERVIEW_CUTS)
        mine = random.Random(number)
        for kind in LOAD_MIX:
            for _ in range(len(SELECTIONS)):
                sample = local.sample(kind, mine)
                if sample.failed:
                    errors.append(sample.describe())

    workers = [threading.Thread(target=round_of_everything, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(300)
    assert not any(thread.is_alive() for thread in workers), "the warm-up did not finish"
    assert not errors, errors[:5]


def drive(url: str, clients: int, seconds: float, recorder: Recorder) -> float:
    """clients threads, each its own browser, send requests of LOAD_MIX one after another for
    seconds (the clock starts once all are connected); returns the seconds it took."""
    kinds, weights = list(LOAD_MIX), list(LOAD_MIX.values())
    barrier = threading.Barrier(clients + 1)
    clock: dict[str, float] = {}

    def client(number: int) -> None:
        rng = random.Random(1000 + number)
        try:
            browser = Browser(url, SELECTIONS, OVERVIEW_CUTS)
        except Exception as err:
            recorder.add(Sample("connect", 0.0, 0.0, 0, error=repr(err)))
            browser = None
        barrier.wait()
        while browser is not None and time.monotonic() < clock["deadline"]:
            recorder.add(browser.sample(rng.choices(kinds, weights)[0], rng))

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    clock["deadline"] = started + seconds
    barrier.wait()
    for thread in threads:
        thread.join(seconds + 300)
    assert not any(thread.is_alive() for thread in threads), "a client did not finish"
    return time.monotonic() - started


def failures(samples: Sequence[Sample]) -> list[str]:
    return [s.describe() for s in samples if s.failed]


def test_fifty_clients_for_two_minutes_on_four_workers_get_no_error(
    serve_options: list[str], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    log = tmp_path / "serve.log"
    recorder = Recorder()
    options = [*serve_options, "--workers", str(LOAD_WORKERS)]
    with champion_serve(options, log, ready_path="/") as url:
        warm(url, threads=2 * LOAD_WORKERS)
        elapsed = drive(url, LOAD_CLIENTS, LOAD_SECONDS, recorder)
    samples = recorder.snapshot()
    kinds = collections.Counter(s.kind for s in samples)
    statuses = collections.Counter(s.status for s in samples)
    figures = {
        "clients": LOAD_CLIENTS,
        "workers": LOAD_WORKERS,
        "seconds": round(elapsed, 1),
        **latency_figures(samples),
        "requests_per_s": round(len(samples) / elapsed, 1),
        "statuses": dict(sorted(statuses.items())),
        "by_kind": dict(sorted(kinds.items())),
        "alerts": sum(s.alert for s in samples),
        "latency_by_kind": latency_by_kind(samples),
    }
    report(request, "load", figures)
    assert samples, "no request was sent"
    assert not failures(samples), failures(samples)[:10]
    assert set(kinds) == set(LOAD_MIX), kinds  # every request of the mix was made
    # and each answered with the page's content: no error, nor a version still being scored
    assert not any(s.alert for s in samples), [s.describe() for s in samples if s.alert][:5]
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]
    assert "WORKER TIMEOUT" not in text, text[-3000:]


def normal(sample: Sample) -> bool:
    """The answer a page gives when the registry is reachable."""
    expected = {
        "picker": b"@champion",
        "overview": VERDICT,
        "registry": b"registry-versions",
    }.get(sample.kind)
    return (
        not sample.failed and not sample.unreachable and (not expected or expected in sample.body)
    )


def test_a_tracking_server_killed_and_restarted_never_makes_a_page_fail(
    tracking: Tracking,
    serve_options: list[str],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    log = tmp_path / "serve.log"
    recorder = Recorder()
    stop = threading.Event()
    options = [*serve_options, "--workers", str(OUTAGE_WORKERS)]

    def client(number: int, url: str) -> None:
        try:
            browser = Browser(url, SELECTIONS)
        except Exception as err:  # reported as a failed request
            recorder.add(Sample("connect", 0.0, 0.0, 0, error=repr(err)))
            return
        rng = random.Random(number)
        turn = number
        while not stop.is_set():
            kind = OUTAGE_KINDS[turn % len(OUTAGE_KINDS)]
            recorder.add(browser.sample(kind, rng))
            turn += 1

    with champion_serve(options, log, ready_path="/") as url:
        warm(url, threads=2 * OUTAGE_WORKERS)
        threads = [
            threading.Thread(target=client, args=(n, url), daemon=True)
            for n in range(OUTAGE_CLIENTS)
        ]
        try:
            for thread in threads:
                thread.start()
            time.sleep(BEFORE_OUTAGE_SECONDS)
            tracking.kill()
            killed_at = time.monotonic()  # its processes are gone
            probe = Browser(url, SELECTIONS)
            rng = random.Random(99)
            while time.monotonic() < killed_at + OUTAGE_SECONDS:  # the pages that read afresh
                recorder.add(probe.sample("registry", rng))
                recorder.add(probe.sample("picker", rng))
            restart_at = time.monotonic()
            tracking.start()  # the same port, the same sqlite file
            up_at = time.monotonic()
            recovered_at = None
            while time.monotonic() < up_at + RECOVERY_LIMIT_SECONDS:
                picker, registry = probe.sample("picker", rng), probe.sample("registry", rng)
                recorder.add(picker)
                recorder.add(registry)
                if pages_show_versions(picker, registry):
                    recovered_at = picker.started
                    break
                time.sleep(0.25)
            time.sleep(2 * MODEL_TTL + 2)  # the clients go on with the pages after it
        finally:
            stop.set()
            for thread in threads:
                thread.join(120)
            if tracking.server is None:  # the next test needs it
                tracking.start()
    samples = recorder.snapshot()
    down = [s for s in samples if s.started >= killed_at and s.ended <= restart_at]
    fresh_reads = [s for s in down if s.kind in ("picker", "registry")]
    after = [s for s in samples if recovered_at is not None and s.started >= recovered_at]
    outcomes: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for sample in down:
        seen = "error" if sample.failed else "unreachable" if sample.unreachable else "content"
        outcomes[sample.kind][seen] += 1
    figures = {
        "clients": OUTAGE_CLIENTS,
        "workers": OUTAGE_WORKERS,
        "requests": len(samples),
        "errors": len(failures(samples)),
        "outage_s": round(restart_at - killed_at, 1),
        "restart_s": round(up_at - restart_at, 1),
        "requests_during_outage": len(down),
        "statuses_during_outage": dict(collections.Counter(s.status for s in down)),
        "outage_answers": {kind: dict(found) for kind, found in sorted(outcomes.items())},
        **{f"outage_{k}": v for k, v in latency_figures(down).items() if k.endswith("_s")},
        "recovered_s_after_server_up": (
            None if recovered_at is None else round(max(0.0, recovered_at - up_at), 1)
        ),
        "recovered_s_after_restart": (
            None if recovered_at is None else round(recovered_at - restart_at, 1)
        ),
        "requests_after_recovery": len(after),
        "abnormal_after_recovery": sum(not normal(s) for s in after),
    }
    report(request, "tracking-server-restart", figures)
    assert not any(thread.is_alive() for thread in threads)
    assert not failures(samples), failures(samples)[:10]  # never a 5xx, nor an exception
    # while it is down, every fresh read of the registry says so, in the page (an alert)
    assert {s.kind for s in fresh_reads} == {"picker", "registry"}, [s.kind for s in down]
    assert all(s.unreachable and s.alert for s in fresh_reads), [
        s.describe() for s in fresh_reads if not (s.unreachable and s.alert)
    ][:5]
    # back by itself, without restarting champion serve
    assert recovered_at is not None, (
        f"the pages did not list the versions within {RECOVERY_LIMIT_SECONDS:g} s of the "
        f"restart; last: {[s.describe() for s in samples[-4:]]}"
    )
    assert after, "no request after the recovery"
    assert all(normal(s) for s in after), [s.describe() for s in after if not normal(s)][:5]
    assert "Traceback" not in log.read_text(errors="replace")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("champion")), *args],
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_ten_promote_processes_at_once_apply_once(
    tracking: Tracking, logged: ModelKit, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    name = logged.new_model(["good"] * (PROMOTERS + 1))  # @champion is version 1
    uri = tracking.url
    script = tmp_path / "promote_at_start.py"
    script.write_text(BARRIER_PROMOTE)
    start = tmp_path / "start"
    began = time.monotonic()
    processes: dict[str, subprocess.Popen[str]] = {}
    try:
        for number in range(2, PROMOTERS + 2):
            version = str(number)
            command = [
                sys.executable, str(script), str(tmp_path / f"ready-{version}"), str(start),
                "promote", name, version, "--reason", f"race {version}", "--force",
                "--expect-current", "1", "--tracking-uri", uri, "--format", "json",
            ]  # fmt: skip
            processes[version] = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
        deadline = time.monotonic() + 180
        while not all((tmp_path / f"ready-{v}").exists() for v in processes):
            exited = {v: p.returncode for v, p in processes.items() if p.poll() is not None}
            assert not exited, f"a promote process exited before the start: {exited}"
            assert time.monotonic() < deadline, "the promote processes did not get ready"
            time.sleep(0.05)
        start.touch()
        released = time.monotonic()
        done = {v: p.communicate(timeout=180) for v, p in processes.items()}
        settled = time.monotonic()
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait(10)
    codes = {v: processes[v].returncode for v in processes}
    results = {}
    for version, (out, err) in done.items():
        assert out.strip(), f"version {version}: exit {codes[version]}, no result; stderr: {err}"
        results[version] = json.loads(out)
    outcomes = collections.Counter(r["outcome"] for r in results.values())
    winners = [v for v, r in results.items() if r["outcome"] == "applied"]
    verify = run_cli("history", name, "--verify", "--tracking-uri", uri)
    history = run_cli("history", name, "--tracking-uri", uri, "--format", "json")
    champion = mlflow.MlflowClient(uri).get_registered_model(name).aliases.get("champion")
    figures = {
        "processes": PROMOTERS,
        "applied": outcomes["applied"],
        "conflicts": outcomes["conflict"],
        "exit_codes": dict(sorted(collections.Counter(codes.values()).items())),
        "winner": winners[0] if len(winners) == 1 else winners,
        "champion_now": champion,
        "verify_exit": verify.returncode,
        "verify": " ".join(verify.stdout.split()),
        "seconds_from_start": round(settled - released, 1),
        "seconds_with_startup": round(settled - began, 1),
    }
    report(request, "concurrent-promotes", figures)
    assert dict(outcomes) == {"applied": 1, "conflict": PROMOTERS - 1}, results
    [winner] = winners
    assert codes[winner] == 0, done[winner]
    assert results[winner]["to_version"] == winner
    for version, (_, err) in done.items():
        if version != winner:
            assert codes[version] == 3, (version, codes[version], err)
            assert f"champion changed: now version {winner}" in " ".join(err.split()), err
    assert str(champion) == winner
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert " ".join(verify.stdout.split()) == f"the history of {name!r} is intact"
    assert history.returncode == 0, history.stderr
    data = json.loads(history.stdout)
    assert data["aliases"]["champion"]["version"] == winner
    entries = data["entries"]
    assert sorted(e["seq"] for e in entries) == list(range(1, PROMOTERS + 1))
    assert collections.Counter(e["outcome"] for e in entries) == outcomes
    assert {e["to_version"] for e in entries} == set(processes)
    # the lock is released, and no claim to break one is left (the module's server has no other)
    locks = mlflow.MlflowClient(uri).search_registered_models(f"name LIKE '{LOCK_PREFIX}%'")
    assert [m.name for m in locks] == []

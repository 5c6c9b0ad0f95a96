"""Dashboard latency: champion's callbacks against the seed's per-request approach.

Builds a local MLflow store (sqlite) with three registered versions of a classifier and a
test set of --rows rows (default 1e6), scores the versions into champion's cache, serves the
dashboard on a loopback port and POSTs to ``/_dash-update-component`` as the browser does:

- model switch: the Overview callback (metrics table, deltas, bar chart, verdict) and the
  Curves callback (ROC, PR, calibration, gain), for selections cycling through
  {1,2}, {1,3}, {1,2,3}, {2,3};
- threshold change: the Threshold callback (confusion matrices, metrics by threshold) for
  thresholds cycling over 0.05 .. 0.95;

- workers: ``champion serve --workers 1`` and ``--workers 4``, each from an empty cache with
  four clients asking for every selection's verdict until all show: the CPU of all its
  processes (scoring workers included) less the CPU of starting the same workers alone; then a
  restart on the warm cache and the time its first Overview request takes;

--requests times each (default 50), after the background work a user waits for once (scoring,
paired bootstrap comparisons) is done; that warm-up is timed and printed too. Beside them, the
seed's approach measured in the same run: per request, load each selected version from the
registry, score the test set and compute the metrics and the ROC curve with scikit-learn.

Run from the repository root: ``.venv/bin/python benchmarks/bench_dashboard.py``
(``--rows 1e5 --requests 20 --seed-requests 3`` for a quick run). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the HTTP Dash client the tests use

from champion.actions import promote  # noqa: E402
from champion.cache import ScoreCache  # noqa: E402
from champion.dashboard import ids  # noqa: E402
from champion.dashboard.app import create_app  # noqa: E402
from champion.dashboard.config import DashboardConfig  # noqa: E402
from champion.data import load_dataset  # noqa: E402
from champion.models import MlflowRegistry, MlflowRegistryWriter  # noqa: E402
from champion.models.publishing import DemoStore, ModelSpec  # noqa: E402
from champion.workspace import Workspace  # noqa: E402
from support.dash_client import DashClient, http_client  # noqa: E402

MODEL = "bench-classifier"
FEATURES = [f"x{i}" for i in range(6)]
TARGET = "label"
SELECTIONS = (["1", "2"], ["1", "3"], ["1", "2", "3"], ["2", "3"])
ROC_LIMIT = 60_000  # bytes of JSON a ROC figure may take at any size


def make_data(rows: int, seed: int = 0) -> pd.DataFrame:
    """rows x 6 features; the label depends on them through a logistic link (~35% positive)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, len(FEATURES)))
    logit = x @ np.array([1.2, -0.8, 0.5, 0.3, 0.0, 0.2]) - 0.7 + 0.4 * x[:, 0] * x[:, 1]
    y = rng.random(rows) < 1.0 / (1.0 + np.exp(-logit))
    frame = pd.DataFrame(x, columns=FEATURES)
    frame[TARGET] = y.astype(np.int64)
    return frame


def build_store(workdir: Path, rows: int) -> tuple[str, Path]:
    """The store with versions 1-3 and the test set (Parquet); (tracking URI, test set path)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB

    tracking = f"sqlite:///{workdir / 'mlflow.db'}"
    store = DemoStore(tracking, workdir / "artifacts", "bench", MODEL)
    store.ensure_model("dashboard benchmark", {})
    train = make_data(20_000, seed=1)
    specs = (
        ModelSpec("weak", "LogisticRegression C=0.001", lambda: LogisticRegression(C=0.001)),
        ModelSpec("logistic", "LogisticRegression C=1", lambda: LogisticRegression(C=1.0)),
        ModelSpec("bayes", "GaussianNB", GaussianNB),
    )
    existing = store.existing()
    for spec in specs:
        if spec.kind not in existing:
            store.register(spec, train, FEATURES, TARGET, {})
    writer = MlflowRegistryWriter(tracking)
    if "champion" not in writer.model_state(MODEL).aliases:
        promote(writer, MODEL, "1", reason="benchmark setup", user="bench", expected=None)
    test = workdir / f"test-{rows}.parquet"
    if not test.exists():
        make_data(rows, seed=2).to_parquet(test)
    return tracking, test


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def serve(app: Any) -> tuple[str, Callable[[], None]]:
    """The app on a threaded loopback server; (base URL, stop)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}", server.shutdown


def timed_calls(
    client: DashClient, output: str, bodies: Sequence[tuple[dict[str, Any], list[str]]]
) -> tuple[list[float], list[int]]:
    """Seconds and response bytes of each POST; fails on any non-200 answer."""
    seconds, sizes = [], []
    for values, changed in bodies:
        started = time.perf_counter()
        status, body = client.call(output, values, changed)
        seconds.append(time.perf_counter() - started)
        if status != 200:
            raise SystemExit(f"{output}: HTTP {status}: {body[:300]!r}")
        sizes.append(len(body))
    return seconds, sizes


def page_values(versions: list[str], threshold: float) -> dict[str, Any]:
    return {
        f"{ids.VERSIONS_STORE}.data": versions,
        f"{ids.THRESHOLD_STORE}.data": threshold,
        f"{ids.LANG_STORE}.data": "en",
        f"{ids.JOBS_STATUS}.children": "",
    }


def wait_for_background(app: Any, client: DashClient, versions: Sequence[list[str]]) -> float:
    """Ask for every selection until each answers with its comparison; seconds it took."""
    backend = app.server.config["champion.backend"]
    started = time.perf_counter()
    while True:
        for selection in versions:
            client.call(f"{ids.VERDICT}.children", page_values(selection, 0.5), [])
        busy = [a for s in versions for a in backend.activity(s) if a.running]
        if not busy:
            return time.perf_counter() - started
        time.sleep(1.0)


def serve_workers(
    tracking: str, test_path: Path, cache: Path, workers: int, n_boot: int, log: Path
) -> tuple[subprocess.Popen[bytes], str]:
    """``champion serve --workers N`` on cache; (process, base URL) once it answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))  # a free loopback port, released for the server
        port = int(sock.getsockname()[1])
    command = [
        str(Path(sys.executable).with_name("champion")),
        "serve",
        "--tracking-uri",
        tracking,
        "--model",
        MODEL,
        "--data",
        str(test_path),
        "--target",
        TARGET,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--n-boot",
        str(n_boot),
        "--cache-dir",
        str(cache),
    ]
    with log.open("ab") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"champion serve stopped: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=5):
                return process, url
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit("champion serve did not answer within 300 s")


def verdicts_ready(client: DashClient) -> bool:
    """Whether every selection's Overview shows its verdict (nothing pending or computing)."""
    for selection in SELECTIONS:
        _, body = client.call(f"{ids.VERDICT}.children", page_values(selection, 0.5), [])
        if "vs " not in body.decode() or "computing" in body.decode():
            return False
    return True


def cpu_of_server(
    tracking: str, test_path: Path, cache: Path, workers: int, n_boot: int, clients: int
) -> float:
    """CPU seconds a ``champion serve --workers N`` spends (all its processes) until every
    selection's verdict is shown, with clients asking at once (clients=0: started and stopped
    at once, what starting the workers costs); scoring workers are its children, counted too."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process, url = serve_workers(tracking, test_path, cache, workers, n_boot, cache / "log")
    try:
        done = threading.Event()
        if clients == 0:
            time.sleep(5.0)  # each worker builds its app (imports, test set) after the fork
            done.set()

        def ask() -> None:
            client = http_client(url, timeout=600)
            while not done.is_set():
                if verdicts_ready(client):
                    done.set()
                time.sleep(1.0)

        threads = [threading.Thread(target=ask) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        process.terminate()
        process.wait(60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def restart_verdict(tracking: str, test_path: Path, cache: Path, n_boot: int) -> float:
    """Seconds the first Overview request of a server restarted on a warm cache takes."""
    process, url = serve_workers(tracking, test_path, cache, 2, n_boot, cache / "log")
    try:
        client = http_client(url, timeout=600)
        started = time.perf_counter()
        _, body = client.call(f"{ids.VERDICT}.children", page_values(["1", "2"], 0.5), [])
        seconds = time.perf_counter() - started
        if "vs " not in body.decode():
            raise SystemExit("the restarted server did not answer with the verdict at once")
        return seconds
    finally:
        process.terminate()
        process.wait(60)


def empty_cache(workdir: Path, name: str) -> Path:
    """An empty cache folder: the server scores every version and computes everything."""
    cache = workdir / name
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(mode=0o700)
    return cache


def workers_section(tracking: str, test_path: Path, workdir: Path, n_boot: int) -> dict[str, float]:
    """CPU of the work (scoring, reports, comparisons, figures) with one worker and with four,
    from an empty cache, each less what starting that many workers costs (measured alone, on
    the cache then holding everything); then the first verdict after a restart."""
    found: dict[str, float] = {}
    for workers in (1, 4):
        cache = empty_cache(workdir, f"cache-{workers}")
        total = cpu_of_server(tracking, test_path, cache, workers, n_boot, 4)
        idle = cpu_of_server(tracking, test_path, cache, workers, n_boot, 0)
        found[f"cpu_{workers}_total"], found[f"cpu_{workers}_start"] = total, idle
        found[f"cpu_{workers}"] = total - idle
    found["restart"] = restart_verdict(tracking, test_path, workdir / "cache-4", n_boot)
    return found


def seed_request(tracking: str, test: pd.DataFrame, versions: Sequence[str]) -> float:
    """What the seed did on every click: load the models, score, sklearn metrics + ROC."""
    import mlflow
    from sklearn import metrics

    started = time.perf_counter()
    mlflow.set_tracking_uri(tracking)
    y = test[TARGET].to_numpy()
    x = test[FEATURES]
    for version in versions:
        model = mlflow.sklearn.load_model(f"models:/{MODEL}/{version}")
        score = model.predict_proba(x)[:, 1]
        predicted = score >= 0.5
        metrics.accuracy_score(y, predicted)
        metrics.precision_score(y, predicted)
        metrics.recall_score(y, predicted)
        metrics.f1_score(y, predicted)
        metrics.roc_auc_score(y, score)
        metrics.roc_curve(y, score)
    return time.perf_counter() - started


def line(name: str, seconds: Sequence[float], sizes: Sequence[int] | None = None) -> str:
    p50, p95 = percentile(seconds, 50) * 1e3, percentile(seconds, 95) * 1e3
    size = "" if not sizes else f"   bytes p50 {int(statistics.median(sizes)):>9,}"
    return f"  {name:<34} p50 {p50:9.1f} ms   p95 {p95:9.1f} ms{size}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=1e6)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--seed-requests", type=int, default=5)
    parser.add_argument("--n-boot", type=int, default=200)
    parser.add_argument("--workdir", type=Path, help="Keep the store here (reused next time).")
    parser.add_argument("--json", type=Path, help="Also write the timings as JSON.")
    args = parser.parse_args(argv)
    rows = int(args.rows)
    with tempfile.TemporaryDirectory(prefix="champion-bench-") as tmp:
        workdir = (args.workdir or Path(tmp)).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        print(f"store and {rows:,}-row test set in {workdir}")
        started = time.perf_counter()
        tracking, test_path = build_store(workdir, rows)
        print(f"  built in {time.perf_counter() - started:.1f} s")

        dataset = load_dataset(str(test_path), target=TARGET)
        workspace = Workspace(MlflowRegistry(tracking), ScoreCache(workdir / "cache"))
        started = time.perf_counter()
        for version in ("1", "2", "3"):
            workspace.score(f"models:/{MODEL}/{version}", dataset)
        print(f"  scored into the cache in {time.perf_counter() - started:.1f} s (once)")

        config = DashboardConfig(
            tracking_uri=tracking,
            model_name=MODEL,
            data_source=str(test_path),
            target=TARGET,
            cache_dir=workdir / "cache",
            n_boot=args.n_boot,
        )
        app = create_app(config)
        base, stop = serve(app)
        try:
            client = http_client(base, timeout=600)
            warm = wait_for_background(app, client, SELECTIONS)
            # from 20,000 rows on the intervals are analytic (ci "auto"): no resampling
            how = "analytic intervals" if rows >= 20_000 else f"{args.n_boot} bootstrap resamples"
            verdict = "met" if warm <= 5.0 else f"missed by {warm / 5.0:.1f}x"
            print(
                f"  background work (reports, paired comparisons with {how}) done in "
                f"{warm:.1f} s (once per selection and threshold; target at 1e6 rows <= 5 s: "
                f"{verdict})"
            )
            n = args.requests
            switches = [(page_values(SELECTIONS[i % 4], 0.5), []) for i in range(n)]
            overview = timed_calls(client, f"{ids.VERDICT}.children", switches)
            curves = timed_calls(client, f"{ids.ROC_GRAPH}.figure", switches)
            cuts = [round(0.05 + 0.9 * (i % 19) / 18, 2) for i in range(n)]
            moves = [(page_values(["1", "2", "3"], cut), []) for cut in cuts]
            threshold = timed_calls(client, f"{ids.CONFUSIONS}.children", moves)
            _, body = client.call(f"{ids.ROC_GRAPH}.figure", page_values(["1", "2", "3"], 0.5), [])
            roc = json.loads(body)["response"][ids.ROC_GRAPH]["figure"]
            roc_bytes = len(json.dumps(roc, separators=(",", ":")))
        finally:
            stop()

        test = pd.read_parquet(test_path)
        seed = [seed_request(tracking, test, SELECTIONS[i % 4]) for i in range(args.seed_requests)]
        print("  champion serve --workers 1 and 4 from an empty cache, then a restart ...")
        shared = workers_section(tracking, test_path, workdir, args.n_boot)

    switch = [a + b for a, b in zip(overview[0], curves[0], strict=True)]
    print(f"\nrequests over HTTP ({rows:,} rows, 3 versions), {n} each:")
    print(line("model switch: Overview callback", *overview))
    print(line("model switch: Curves callback", *curves))
    print(line("model switch: both pages", switch))
    print(line("threshold change: Threshold page", *threshold))
    print(line(f"seed approach ({len(seed)} requests)", seed))
    worst = max(
        percentile(overview[0], 95), percentile(curves[0], 95), percentile(threshold[0], 95)
    )
    ratio_switch = statistics.median(seed) / percentile(switch, 95)
    print("\nchecks:")
    print(f"  worst p95 of one callback: {worst * 1e3:.1f} ms (target <= 50 ms)")
    print(f"  seed p50 / our model-switch p95 (both pages): {ratio_switch:.0f}x (target >= 18x)")
    print(f"  ROC figure of three versions: {roc_bytes:,} bytes of JSON (limit {ROC_LIMIT:,})")
    extra = shared["cpu_4"] / shared["cpu_1"] - 1
    print(
        f"  CPU of the work until every verdict shows: 1 worker {shared['cpu_1']:.1f} s, "
        f"4 workers {shared['cpu_4']:.1f} s ({extra:+.0%}; target <= +10%); starting the "
        f"workers alone: {shared['cpu_1_start']:.1f} s and {shared['cpu_4_start']:.1f} s"
    )
    print(
        f"  first Overview verdict after a restart: {shared['restart'] * 1e3:.0f} ms (target < 1 s)"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "rows": rows,
                    "overview": overview[0],
                    "curves": curves[0],
                    "threshold": threshold[0],
                    "seed": seed,
                    "warm_up_seconds": warm,
                    "roc_bytes": roc_bytes,
                    **shared,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Start-up and warm-path times of the ``champion`` command, as whole processes.

Times, as wall-clock medians of --repeats runs of fresh processes (default 5), in the same run:

- ``python -c pass`` and ``python -c "import mlflow"`` (baselines: the interpreter, MLflow);
- ``champion --help`` (target <= 0.5 s);
- ``champion compare --predictions`` of two score columns of a generated --rows-row CSV
  (default 1,000; target <= 1.5 s);
- a warm ``champion compare`` of two versions of a registered model against a running
  ``mlflow server`` (target <= 2.5 s): the benchmark starts the server on a free loopback port
  over its own store in a temporary directory (sqlite, proxied artifacts), trains two small
  scikit-learn models, registers them, runs one compare to fill the score cache, then times the
  same compare, which finds both models' scores in the cache.

Every repeat runs each command once, in an order that rotates from repeat to repeat, so that
all of them share the machine's noise. Run from the repository root:
``.venv/bin/python benchmarks/bench_cli.py``. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the mlflow server helper the integration tests use
from integration.servers import start_server, stop_server  # noqa: E402

MODEL = "bench-cli"
FEATURES = ["x0", "x1", "x2", "x3"]
TARGET = "label"
TEST_ROWS = 223


@dataclass(frozen=True)
class Contender:
    """One command line to time, and the most it may take (None: a baseline)."""

    name: str
    argv: list[str]
    target: float | None = None


def python() -> str:
    return sys.executable


def champion_command() -> list[str]:
    """The ``champion`` console script beside this interpreter, else ``python -m champion``."""
    script = Path(sys.executable).with_name("champion")
    return [str(script)] if script.exists() else [sys.executable, "-m", "champion"]


def child_env() -> dict[str, str]:
    """This environment without MLflow's variables (the commands name the server), with
    loopback kept off any proxy."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    no_proxy = ",".join(filter(None, [env.get("NO_PROXY"), "127.0.0.1,localhost"]))
    env["NO_PROXY"] = env["no_proxy"] = no_proxy
    return env


def make_rows(rows: int, seed: int) -> dict[str, np.ndarray]:
    """rows x 4 features and a 0/1 label from a logistic link (~40% positive)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, len(FEATURES)))
    logit = x @ np.array([1.1, -0.7, 0.4, 0.0]) - 0.4
    y = (rng.random(rows) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    return {**{name: x[:, i] for i, name in enumerate(FEATURES)}, TARGET: y}


def write_csv(path: Path, columns: dict[str, np.ndarray]) -> Path:
    names = list(columns)
    with path.open("w") as out:
        out.write(",".join(names) + "\n")
        for row in zip(*(columns[name] for name in names), strict=True):
            out.write(",".join(f"{v:.6g}" if isinstance(v, float) else str(v) for v in row))
            out.write("\n")
    return path


def write_predictions(path: Path, rows: int) -> Path:
    """A predictions table: labels and the scores of two models of different skill."""
    rng = np.random.default_rng(7)
    y = (rng.random(rows) < 0.35).astype(np.int64)
    good = 1.0 / (1.0 + np.exp(-(rng.normal(size=rows) + 1.6 * y - 0.8)))
    fair = 1.0 / (1.0 + np.exp(-(rng.normal(size=rows) + 0.9 * y - 0.45)))
    return write_csv(path, {"y": y, "score_a": good.round(6), "score_b": fair.round(6)})


@contextlib.contextmanager
def mlflow_server(root: Path) -> Iterator[str]:
    """``mlflow server`` over a sqlite file in root, on a free loopback port (started, waited
    for and stopped as the integration tests do); its URL."""
    loopback = {name: value for name, value in child_env().items() if name.lower() == "no_proxy"}
    server = start_server(root, root / "server.db", env=loopback)
    try:
        yield server.url
    finally:
        stop_server(server)


def register_models(url: str) -> None:
    """Train two logistic regressions and register them as versions 1 and 2 of MODEL
    (skops files, signatures, explicit pip requirements), with @champion on version 1."""
    import mlflow
    from mlflow.models import infer_signature
    from sklearn.linear_model import LogisticRegression

    train = make_rows(2_000, seed=1)
    x = np.column_stack([train[name] for name in FEATURES])
    y = train[TARGET]
    client = mlflow.MlflowClient(tracking_uri=url, registry_uri=url)
    experiment = client.create_experiment("bench-cli")
    client.create_registered_model(MODEL)
    mlflow.set_tracking_uri(url)
    mlflow.set_registry_uri(url)
    import pandas as pd

    frame = pd.DataFrame(x, columns=FEATURES)
    # MLflow prints "View run ..." links; they are no part of the report
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        for c in (0.01, 1.0):
            model = LogisticRegression(C=c).fit(frame, y)
            with mlflow.start_run(experiment_id=experiment, run_name=f"C={c}"):
                info = mlflow.sklearn.log_model(
                    model,
                    name="model",
                    signature=infer_signature(frame, model.predict_proba(frame)[:, 1]),
                    pip_requirements=["mlflow", "scikit-learn", "pandas", "numpy", "skops"],
                    serialization_format="skops",
                )
            client.create_model_version(
                MODEL, source=info.model_uri, model_id=info.model_id, await_creation_for=0
            )
    client.set_registered_model_alias(MODEL, "champion", "1")


def run(argv: Sequence[str], env: dict[str, str]) -> tuple[float, str]:
    """Wall-clock seconds of one process, and its stdout; fails loudly if it fails."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return elapsed, done.stdout


def time_all(
    contenders: Sequence[Contender], repeats: int, env: dict[str, str]
) -> dict[str, list[float]]:
    """repeats rounds; in each, every contender once, starting one further each round."""
    times: dict[str, list[float]] = {c.name: [] for c in contenders}
    for round_ in range(repeats):
        shift = round_ % len(contenders)
        for contender in [*contenders[shift:], *contenders[:shift]]:
            times[contender.name].append(run(contender.argv, env)[0])
    return times


def report(contenders: Sequence[Contender], times: dict[str, list[float]]) -> list[str]:
    width = max(len(c.name) for c in contenders)
    lines = [
        f"{'command':<{width}}  {'median':>8}  {'fastest':>8}  {'target':>8}  met",
        "-" * (width + 36),
    ]
    for c in contenders:
        median, fastest = statistics.median(times[c.name]), min(times[c.name])
        target = f"<= {c.target:.1f} s" if c.target is not None else "-"
        met = "-" if c.target is None else ("yes" if median <= c.target else "NO")
        lines.append(f"{c.name:<{width}}  {median:>6.2f} s  {fastest:>6.2f} s  {target:>8}  {met}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="Runs of each command (5).")
    parser.add_argument("--rows", type=int, default=1_000, help="Rows of --predictions (1000).")
    parser.add_argument("--json", type=Path, help="Also write every timing as JSON.")
    args = parser.parse_args(argv)

    env = child_env()
    champion = champion_command()
    with tempfile.TemporaryDirectory(prefix="champion-bench-cli-") as tmp:
        root = Path(tmp)
        predictions = write_predictions(root / "predictions.csv", args.rows)
        test = write_csv(root / "test.csv", make_rows(TEST_ROWS, seed=2))
        started = time.perf_counter()
        with mlflow_server(root) as url:
            register_models(url)
            setup = time.perf_counter() - started
            compare = [
                *champion,
                "compare",
                f"models:/{MODEL}/1",
                f"models:/{MODEL}/2",
                "--data",
                str(test),
                "--target",
                TARGET,
                "--tracking-uri",
                url,
                "--cache-dir",
                str(root / "cache"),
            ]
            cold, _ = run(compare, env)  # scores both versions into the cache
            _, warm_json = run([*compare, "--format", "json"], env)
            scored = json.loads(warm_json)["scored"]
            if not all(s["from_cache"] for s in scored.values()):
                raise SystemExit(f"the second compare did not read the cache: {scored}")
            contenders = [
                Contender("python -c pass", [python(), "-c", "pass"]),
                Contender('python -c "import mlflow"', [python(), "-c", "import mlflow"]),
                Contender("champion --help", [*champion, "--help"], 0.5),
                Contender(
                    f"champion compare --predictions ({args.rows:,} rows)",
                    [
                        *champion,
                        "compare",
                        "--predictions",
                        str(predictions),
                        "--target",
                        "y",
                        "--score",
                        "a=score_a",
                        "--score",
                        "b=score_b",
                    ],
                    1.5,
                ),
                Contender(f"champion compare, warm (2 versions, {TEST_ROWS} rows)", compare, 2.5),
            ]
            times = time_all(contenders, args.repeats, env)

    print(f"champion CLI start-up: medians of {args.repeats} fresh processes each")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    print(f"(setup: server + two registered models {setup:.1f} s; cold compare {cold:.2f} s)")
    print()
    print("\n".join(report(contenders, times)))
    if args.json:
        args.json.write_text(json.dumps({c.name: times[c.name] for c in contenders}, indent=1))
    met = all(statistics.median(times[c.name]) <= c.target for c in contenders if c.target)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())

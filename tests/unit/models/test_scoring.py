"""Scoring in a worker process: exact probabilities, labels-only models, crashes, hangs, Ctrl-C.

Each real worker costs a Python start with scikit-learn (and MLflow for pyfunc models), a few
seconds: the tests that check only how outputs are read run the worker's code in this process
(``in_process``); six tests start a real worker.
"""

from __future__ import annotations

import _thread
import json
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cloudpickle
import lightgbm as lgb
import mlflow.lightgbm
import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
import pandas as pd
import pytest
from mlflow.models import infer_signature
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from champion.errors import DataError, ModelError
from champion.models import scoring, worker
from champion.models.scoring import score_model, worker_environment
from champion.models.worker import LABELS_NOTE, interpret_output

REQS = ["scikit-learn"]  # skips MLflow's requirement inference (a subprocess per save)
cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the worker cannot import tests/


class LabelsModel(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        return np.where(model_input["a"].to_numpy() > 0, "yes", "no")


class SuicidalModel(mlflow.pyfunc.PythonModel):
    def __init__(self, how: str) -> None:
        self.how = how

    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        if self.how == "sigkill":
            os.kill(os.getpid(), signal.SIGKILL)
        if self.how == "exit":
            print("native library says goodbye", file=sys.stderr, flush=True)
            os._exit(3)
        raise RuntimeError("feature store unavailable")


class SleepyModel(mlflow.pyfunc.PythonModel):
    def __init__(self, report: str) -> None:
        self.report = report

    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        secret = "MLFLOW_TRACKING_TOKEN" in os.environ
        Path(self.report).write_text(json.dumps({"pid": os.getpid(), "secret": secret}))
        time.sleep(60)
        return np.zeros(len(model_input))


class ProbeModel(mlflow.pyfunc.PythonModel):
    """Reports what its code can see and do from inside the scoring worker."""

    def __init__(self, report: str, port: int) -> None:
        self.report = report
        self.port = port

    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        import resource
        import socket

        try:  # the network a model could reach: a port listening on the parent's loopback
            socket.create_connection(("127.0.0.1", self.port), timeout=5).close()
            network = "connected"
        except OSError as exc:
            network = f"{type(exc).__name__}: {exc}"
        umask = os.umask(0o022)
        os.umask(umask)
        seen = {
            "home": os.environ.get("HOME"),
            "home_files": os.listdir(os.environ["HOME"]),
            "tmpdir": os.environ.get("TMPDIR"),
            "cwd": os.getcwd(),
            "umask": umask,
            "pickle_gate": os.environ.get("MLFLOW_ALLOW_PICKLE_DESERIALIZATION"),
            "core": resource.getrlimit(resource.RLIMIT_CORE),
            "cpu": resource.getrlimit(resource.RLIMIT_CPU),
            "nofile": resource.getrlimit(resource.RLIMIT_NOFILE),
            "as": resource.getrlimit(resource.RLIMIT_AS),
            "uid": os.getuid(),
            "network": network,
        }
        Path(self.report).write_text(json.dumps(seen))
        return np.zeros(len(model_input))


@pytest.fixture(scope="module")
def listening() -> Iterator[int]:
    """A loopback port that accepts connections (the network a model could reach)."""
    import socket

    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(1)
    x = pd.DataFrame(
        {"a": rng.normal(size=150), "b": rng.integers(0, 4, size=150), "c": rng.normal(size=150)}
    )
    y = pd.Series(np.where(x["a"] + rng.normal(scale=0.7, size=150) > 0, "yes", "no"))
    return x, y


@pytest.fixture(scope="module")
def saved(
    tmp_path_factory: pytest.TempPathFactory, data: tuple[pd.DataFrame, pd.Series], listening: int
) -> dict[str, Any]:
    x, y = data
    y01 = (y == "yes").astype(int)
    root = tmp_path_factory.mktemp("scoring")
    fitted = {
        "lr": LogisticRegression().fit(x, y),
        "rf": RandomForestClassifier(n_estimators=5, random_state=0).fit(x, y01),
        "lgbm": lgb.LGBMClassifier(n_estimators=5, verbose=-1).fit(x, y01),
        "booster": lgb.train({"objective": "binary", "verbose": -1}, lgb.Dataset(x, y01), 5),
    }
    names = (*fitted, "labels", "kill", "exit", "raise", "sleepy", "probe")
    paths = {name: root / name for name in names}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        signature = infer_signature(x, fitted["lr"].predict_proba(x))
        mlflow.sklearn.save_model(
            fitted["lr"], paths["lr"], signature=signature, pip_requirements=REQS
        )
        mlflow.sklearn.save_model(
            fitted["rf"],
            paths["rf"],
            skops_trusted_types=["sklearn.tree._tree.Tree"],
            pip_requirements=REQS,
        )
        mlflow.lightgbm.save_model(fitted["lgbm"], paths["lgbm"], pip_requirements=REQS)
        mlflow.lightgbm.save_model(fitted["booster"], paths["booster"], pip_requirements=REQS)
        pyfuncs = {
            "labels": LabelsModel(),
            "kill": SuicidalModel("sigkill"),
            "exit": SuicidalModel("exit"),
            "raise": SuicidalModel("raise"),
            "sleepy": SleepyModel(str(root / "sleepy.json")),
            "probe": ProbeModel(str(root / "probe.json"), listening),
        }
        for name, model in pyfuncs.items():
            mlflow.pyfunc.save_model(paths[name], python_model=model, pip_requirements=REQS)
    return {
        "paths": paths,
        "fitted": fitted,
        "report": root / "sleepy.json",
        "probe": root / "probe.json",
    }


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the worker's code in this process instead of a child (for outputs, not isolation)."""
    monkeypatch.setenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "true")

    def run(
        work: Path, allow_pickle: bool, timeout: float, label: str, progress: Any = None
    ) -> tuple[int, str]:
        return worker.main([str(work / "job.json")]), ""

    monkeypatch.setattr(scoring, "_run_worker", run)


# ---- real workers --------------------------------------------------------------------------


def test_probabilities_equal_in_process_predict_proba(saved: dict[str, Any], data: Any) -> None:
    x = data[0].assign(extra=0.0)[["c", "extra", "a", "b"]]
    lr = saved["fitted"]["lr"]
    reports: list[tuple[int, int]] = []
    scores = score_model(
        saved["paths"]["lr"],
        x,
        pos_label="yes",
        model_label="lr",
        progress=lambda done, total: reports.append((done, total)),
        chunk_rows=max(1, len(x) // 3),
    )
    # scored in chunks, the last report says every row is done
    assert reports
    assert reports[-1] == (len(x), len(x))
    expected = lr.predict_proba(data[0])[:, list(lr.classes_).index("yes")]
    np.testing.assert_array_equal(scores.values, expected)
    assert scores.values.dtype == np.float64
    assert (scores.kind, scores.classes) == ("probability", ("no", "yes"))
    assert scores.note == "columns not in the model's signature dropped: 'extra'"


def test_labels_only_pyfunc(saved: dict[str, Any], data: Any) -> None:
    scores = score_model(
        saved["paths"]["labels"], data[0], pos_label="yes", allow_pickle=True, model_label="m"
    )
    np.testing.assert_array_equal(scores.values, (data[0]["a"] > 0).astype(float))
    assert scores.kind == "label"
    assert scores.note is not None
    assert LABELS_NOTE in scores.note


@pytest.mark.parametrize(
    ("name", "how"),
    [
        ("kill", "was killed by signal SIGKILL"),
        ("exit", "exited with status 3; its last output:\n.*native library says goodbye"),
    ],
)
def test_crashing_model_gives_model_error(
    saved: dict[str, Any], data: Any, name: str, how: str
) -> None:
    with pytest.raises(ModelError, match=f"(?s)model 'crashy' crashed: the scoring worker {how}"):
        score_model(
            saved["paths"][name], data[0], pos_label=1, allow_pickle=True, model_label="crashy"
        )


def test_hanging_model_is_killed_at_the_timeout(saved: dict[str, Any], data: Any) -> None:
    saved["report"].unlink(missing_ok=True)
    start = time.monotonic()
    with pytest.raises(ModelError, match="model 'slow' exceeded 3 s"):
        score_model(
            saved["paths"]["sleepy"],
            data[0],
            pos_label=1,
            allow_pickle=True,
            timeout=3,
            model_label="slow",
        )
    assert time.monotonic() - start < 30
    if saved["report"].exists():  # the worker got as far as predicting: it must be gone
        with pytest.raises(ProcessLookupError):
            os.kill(json.loads(saved["report"].read_text())["pid"], 0)


def test_ctrl_c_kills_the_worker_and_propagates(
    saved: dict[str, Any], data: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "secret")
    report: Path = saved["report"]
    report.unlink(missing_ok=True)

    def interrupt_when_predicting() -> None:
        deadline = time.monotonic() + 120
        while not report.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        if report.exists():
            _thread.interrupt_main()

    threading.Thread(target=interrupt_when_predicting, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        score_model(
            saved["paths"]["sleepy"], data[0], pos_label=1, allow_pickle=True, model_label="m"
        )
    seen = json.loads(report.read_text())
    assert seen["secret"] is False  # the worker never saw the tracking token
    with pytest.raises(ProcessLookupError):
        os.kill(seen["pid"], 0)


# ---- the worker's code in this process -----------------------------------------------------


@pytest.mark.usefixtures("in_process")
@pytest.mark.parametrize("name", ["rf", "lgbm"])
def test_tree_models_equal_predict_proba(saved: dict[str, Any], data: Any, name: str) -> None:
    x = data[0]
    scores = score_model(saved["paths"][name], x, pos_label=1, model_label=name)
    np.testing.assert_array_equal(scores.values, saved["fitted"][name].predict_proba(x)[:, 1])
    assert (scores.kind, scores.classes) == ("probability", (0, 1))


@pytest.mark.usefixtures("in_process")
def test_native_booster_predicts_positive_probability(saved: dict[str, Any], data: Any) -> None:
    x = data[0].assign(extra=1)
    scores = score_model(saved["paths"]["booster"], x, pos_label=0, model_label="b")
    np.testing.assert_array_equal(scores.values, 1.0 - saved["fitted"]["booster"].predict(data[0]))
    assert scores.note is not None
    assert "dropped: 'extra'" in scores.note


@pytest.mark.usefixtures("in_process")
def test_pos_label_not_a_class(saved: dict[str, Any], data: Any) -> None:
    with pytest.raises(
        ModelError, match=r"pos_label 'maybe' is not one of the model's classes \('no', 'yes'\)"
    ):
        score_model(saved["paths"]["lr"], data[0], pos_label="maybe", model_label="lr")


@pytest.mark.usefixtures("in_process")
def test_model_exception_and_missing_columns(saved: dict[str, Any], data: Any) -> None:
    with pytest.raises(
        ModelError, match="'boom': RuntimeError while predicting with the model: feature store"
    ):
        score_model(
            saved["paths"]["raise"], data[0], pos_label=1, allow_pickle=True, model_label="boom"
        )
    with pytest.raises(DataError, match="lacks columns the model was fitted with: 'b'"):
        score_model(saved["paths"]["rf"], data[0].drop(columns="b"), pos_label=1, model_label="rf")


def test_policy_runs_before_any_worker(saved: dict[str, Any], data: Any) -> None:
    with pytest.raises(ModelError, match="--allow-pickle"):
        score_model(saved["paths"]["kill"], data[0], pos_label=1, model_label="m")


# ---- reading outputs -----------------------------------------------------------------------


def test_interpret_probability_columns() -> None:
    proba = np.array([[0.2, 0.8], [0.9, 0.1]])
    values, kind, _, note = interpret_output(proba, "no", np.array(["no", "yes"]))
    np.testing.assert_array_equal(values, [0.2, 0.9])
    assert (kind, note) == ("probability", None)
    values, kind, _, note = interpret_output(proba, 1, None)
    np.testing.assert_array_equal(values, [0.8, 0.1])
    assert note is not None
    assert "column 1" in note
    values, kind, _, _ = interpret_output(pd.DataFrame({"p": [0.3, 0.7]}), 1, None)
    assert kind == "probability"
    np.testing.assert_array_equal(values, [0.3, 0.7])
    values, _, _, _ = interpret_output(np.array([[0.3, 0.7]]), "1", np.array([0, 1]))
    np.testing.assert_array_equal(values, [0.7])


def test_interpret_labels() -> None:
    values, kind, _, note = interpret_output(np.array([0, 1, 1]), 1, None)
    np.testing.assert_array_equal(values, [0.0, 1.0, 1.0])
    assert (kind, note) == ("label", LABELS_NOTE)
    values, _, _, note = interpret_output(np.array([1, 0, 1]), 0, None)
    np.testing.assert_array_equal(values, [0.0, 1.0, 0.0])
    values, _, _, note = interpret_output(np.array([0.0, 1.0]), "yes", None)
    np.testing.assert_array_equal(values, [0.0, 1.0])
    assert note is not None
    assert "1 = 'yes'" in note
    with pytest.raises(ModelError, match="neither probabilities"):
        interpret_output(np.array([0.5, 2.5]), 1, None)


def test_worker_environment_has_no_credentials() -> None:
    base = {
        "PATH": "/bin",
        "HOME": "/root",
        "MLFLOW_TRACKING_URI": "http://x",
        "MLFLOW_TRACKING_TOKEN": "t",
        "MLFLOW_TRACKING_USERNAME": "u",
        "MLFLOW_TRACKING_PASSWORD": "p",
        "AWS_SECRET_ACCESS_KEY": "k",
        "DATABRICKS_TOKEN": "d",
        "GITHUB_TOKEN": "g",
        "MLFLOW_ALLOW_PICKLE_DESERIALIZATION": "true",
    }
    assert set(worker_environment(base)) == {
        "PATH",
        "HOME",
        "PYTHONUNBUFFERED",
        "MLFLOW_ALLOW_PICKLE_DESERIALIZATION",
    }
    assert worker_environment(base)["MLFLOW_ALLOW_PICKLE_DESERIALIZATION"] == "false"
    env = worker_environment(base, allow_pickle=True)
    assert env["MLFLOW_ALLOW_PICKLE_DESERIALIZATION"] == "true"


def namespaces_allowed() -> bool:
    """Whether this platform lets an unprivileged process enter new user and network
    namespaces (asked of a fresh interpreter, which has a single thread)."""
    code = "import ctypes, sys; sys.exit(ctypes.CDLL(None).unshare(0x50000000) != 0)"
    return subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_the_worker_is_confined(saved: dict[str, Any], data: Any) -> None:
    x, _ = data
    scores = score_model(
        saved["paths"]["probe"], x, pos_label=1, allow_pickle=True, timeout=120, model_label="probe"
    )
    seen = json.loads(saved["probe"].read_text())
    if namespaces_allowed():  # Linux with unprivileged user namespaces, as on CI's machines
        assert scores.sandbox == "no network"
        assert seen["network"].startswith("OSError: [Errno 101]"), seen["network"]
        assert seen["uid"] == os.getuid()  # mapped to itself: files keep their owner
    else:
        assert scores.sandbox.startswith("network open: "), scores.sandbox
        assert seen["network"] == "connected"
    home = Path(seen["home"])
    assert home.parent == Path(seen["cwd"])  # its own empty home inside the temporary folder
    assert seen["home_files"] == []
    assert Path(seen["tmpdir"]).parent == Path(seen["cwd"])
    assert seen["umask"] == 0o077
    assert seen["core"] == [0, 0]
    assert 0 < seen["cpu"][0] <= 120 * (os.cpu_count() or 1) + 60
    assert 0 < seen["nofile"][0] <= 1024
    assert seen["as"][0] > 0
    assert seen["pickle_gate"] == "true"  # allowed here; "false" otherwise (below)
    assert (
        worker_environment({"MLFLOW_ALLOW_PICKLE_DESERIALIZATION": "true"})[
            "MLFLOW_ALLOW_PICKLE_DESERIALIZATION"
        ]
        == "false"
    )
    # the parent (this process) is no longer dumpable: same-user processes cannot read
    # its environment through /proc
    import ctypes

    assert ctypes.CDLL(None).prctl(3, 0, 0, 0, 0) == 0  # PR_GET_DUMPABLE

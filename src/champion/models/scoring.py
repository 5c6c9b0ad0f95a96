"""Score test data with a local MLflow model, in a worker process that cannot take champion down.

:func:`score_model` inspects the model directory, applies champion's loading policy
(:mod:`champion.models.safety`) and the signature check (:mod:`champion.models.signature`) in
this process, then runs :mod:`champion.models.worker` in a new process session with the test
rows in a temporary Parquet file. The worker's environment has no tracking or cloud credentials (it
reads only the local directory), its home, temporary folder and working folder are empty private
folders, it has resource limits, and where Linux allows it without privileges it has no network
(:mod:`champion.models.sandbox`); this process is made non-dumpable first, so the worker cannot
read its memory or environment through /proc. A crash, an exception, a hang past ``timeout``
seconds or a Ctrl-C ends the worker (and anything it started) and becomes a
:class:`ModelError` (Ctrl-C is re-raised as KeyboardInterrupt).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from champion.errors import DataError, ModelError
from champion.models.artifact import inspect_model_dir
from champion.models.safety import check_loadable, trusted_skops_types
from champion.models.signature import check_against_signature

ScoreKind = Literal["probability", "label"]
Task = Literal["binary", "multiclass"]

#: environment variables the worker never sees (prefixes, then name fragments)
_SECRET_PREFIXES = (
    "MLFLOW_TRACKING_",
    "MLFLOW_REGISTRY_",
    "MLFLOW_S3_",
    "MLFLOW_GCS_",
    "MLFLOW_ARTIFACT_",
    "AWS_",
    "AZURE_",
    "GOOGLE_",
    "GCP_",
    "GCLOUD_",
    "DATABRICKS_",
    "HF_",
)
_SECRET_FRAGMENTS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "API_KEY", "AUTH")
# The worker runs worker.py by its path, not ``-m champion.models.worker``: importing the package
# would import the registry code (and MLflow) that a skops model does not need.
_WORKER = Path(__file__).with_name("worker.py")
_SANDBOX = Path(__file__).with_name("sandbox.py")  # runs first: leaves the network (Linux)
_PR_SET_DUMPABLE = 4  # linux/prctl.h
_BOOTSTRAP = (
    "import runpy, sys; sys.argv[:] = sys.argv[1:]; "
    "runpy.run_path(sys.argv[0], run_name='__main__')"
)
_STDERR_TAIL_LINES = 15
_STDERR_TAIL_CHARS = 2000


@dataclass(frozen=True, eq=False)
class Scores:
    """What one model says about the n test rows.

    ``values``: (n,) float64, read-only; the positive-class probability when ``kind`` is
    "probability", 1.0 / 0.0 (predicted label == pos_label or not) when ``kind`` is "label".
    For a multiclass task (n, K): each class's probability, or 1.0 in the predicted class's
    column (kind "label"), the columns in the order of ``classes``.
    ``classes``: the model's classes in its own order, or None when it does not say.
    ``note``: what the reader should know (labels only, columns dropped, ...), or None.
    ``sandbox``: the worker's isolation beyond its confinement: "no network", or "network
    open: <why>" where the platform refused it (see :mod:`champion.models.sandbox`).
    """

    values: npt.NDArray[np.float64]
    kind: ScoreKind
    classes: tuple[Any, ...] | None
    note: str | None
    sandbox: str = ""


def score_model(
    model_dir: str | Path,
    frame: pd.DataFrame,
    *,
    pos_label: Any,
    trusted_types: Sequence[str] = (),
    allow_pickle: bool = False,
    timeout: float = 600,
    model_label: str,
    progress: Callable[[int, int], None] | None = None,
    chunk_rows: int = 100_000,
    task: Task = "binary",
) -> Scores:
    """Score ``frame`` (n rows x feature columns) with the MLflow model in ``model_dir``.

    task "binary" gives the ``pos_label`` class's probability per row (n,); "multiclass" every
    class's probability (n, K), with the model's classes (then ``pos_label`` is not used).

    The worker predicts ``chunk_rows`` rows at a time; ``progress(rows_done, rows)`` is called
    as chunks finish.

    Raises ModelError (refused by policy, failed, crashed, exceeded ``timeout`` seconds) or
    DataError (the data does not fit the model's signature).
    """
    if len(frame) == 0:
        raise DataError(f"there are no test rows to score with model {model_label!r}.")
    artifact = inspect_model_dir(model_dir)
    check_loadable(
        artifact, trusted_types=trusted_types, allow_pickle=allow_pickle, model_label=model_label
    )
    checked = check_against_signature(artifact, frame, model_label)
    with tempfile.TemporaryDirectory(prefix="champion-score-") as tmp:
        work = Path(tmp)
        job: dict[str, Any] = {
            "model_dir": str(artifact.path.resolve()),
            "flavor": artifact.flavor,
            "format": artifact.serialization_format,
            "model_files": list(artifact.model_files),
            "trusted_types": list(trusted_skops_types(trusted_types)),
            "pos_label": _json_label(pos_label) if task == "binary" else None,
            "task": task,
            "columns": list(checked.columns) if checked.columns is not None else None,
            "input": str(work / "input.parquet"),
            "output": str(work / "values.npy"),
            "result": str(work / "result.json"),
            "progress": str(work / "progress.txt"),
            "chunk_rows": int(chunk_rows),
            "limits": worker_limits(timeout),
        }
        _write_frame(frame, Path(job["input"]), model_label)
        (work / "job.json").write_text(json.dumps(job), encoding="utf-8")
        status, stderr = _run_worker(work, allow_pickle, timeout, model_label, progress)
        scores = _read_result(work, job, status, stderr, model_label)
    if len(scores.values) != len(frame):
        raise ModelError(
            f"model {model_label!r} returned {len(scores.values)} scores for {len(frame)} rows."
        )
    note = "; ".join(n for n in (checked.note, scores.note) if n) or None
    return Scores(scores.values, scores.kind, scores.classes, note, scores.sandbox)


def worker_environment(
    base: Mapping[str, str] | None = None, *, allow_pickle: bool = False
) -> dict[str, str]:
    """``base`` (default: os.environ) without tracking, registry or cloud credentials.

    MLflow's own deserialization gate is opened only when champion's policy allowed pickle.
    """
    source = os.environ if base is None else base
    env = {
        name: value
        for name, value in source.items()
        if not name.upper().startswith(_SECRET_PREFIXES)
        and not any(f in name.upper() for f in _SECRET_FRAGMENTS)
    }
    # MLflow's own gate, set either way: an inherited "true" must not open it
    env["MLFLOW_ALLOW_PICKLE_DESERIALIZATION"] = "true" if allow_pickle else "false"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def protect_parent() -> None:
    """Make this process non-dumpable (Linux ``prctl(PR_SET_DUMPABLE, 0)``): a process of the
    same user, such as a model's code in the scoring worker, can then no longer read its
    environment (registry credentials) or memory through /proc. Elsewhere: nothing to do."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)


def worker_limits(timeout: float) -> dict[str, int]:
    """Resource limits of a scoring worker: no core files, CPU seconds (the wall-clock timeout
    on every core, plus a minute), open files, and address space (the machine's memory)."""
    cores = os.cpu_count() or 1
    limits = {"core": 0, "cpu": int(timeout * cores) + 60, "nofile": 1024}
    if hasattr(os, "sysconf") and "SC_PHYS_PAGES" in os.sysconf_names:
        limits["as"] = int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    return limits


def _json_label(pos_label: Any) -> Any:
    value = pos_label.item() if isinstance(pos_label, np.generic) else pos_label
    if value is None or not isinstance(value, str | int | float | bool):
        raise DataError(f"pos_label {pos_label!r} must be a number, a text or a boolean.")
    return value


def _write_frame(frame: pd.DataFrame, path: Path, model_label: str) -> None:
    data = frame.reset_index(drop=True)
    data.columns = [str(c) for c in data.columns]
    try:
        data.to_parquet(path, index=False)
    except Exception as exc:  # pyarrow refuses mixed-type object columns and the like
        raise DataError(
            f"cannot hand the test data to model {model_label!r}: {type(exc).__name__}: {exc}"
        ) from None


def _run_worker(
    work: Path,
    allow_pickle: bool,
    timeout: float,
    model_label: str,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, str]:
    """Run the worker on ``work/job.json``; (exit status, stderr tail). Kills it on timeout."""
    log = work / "worker.log"
    command = [
        sys.executable,
        "-c",
        _BOOTSTRAP,
        str(_SANDBOX),
        str(_WORKER),
        str(work / "job.json"),
    ]
    protect_parent()
    env = worker_environment(allow_pickle=allow_pickle)
    for name in ("home", "tmp"):  # empty and private: nothing of the user's is at hand
        (work / name).mkdir(mode=0o700, exist_ok=True)
    env.update(HOME=str(work / "home"), TMPDIR=str(work / "tmp"))
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            status = _wait(process, timeout, work / "progress.txt", progress)
        except subprocess.TimeoutExpired:
            _kill(process)
            raise ModelError(
                f"model {model_label!r} exceeded {timeout:g} s while loading or predicting and "
                "was stopped; pass a larger timeout if it is just slow."
            ) from None
        except BaseException:  # KeyboardInterrupt and the like: no orphan worker
            _kill(process)
            raise
    return status, _tail(log)


def _wait(
    process: subprocess.Popen[bytes],
    timeout: float,
    progress_file: Path,
    progress: Callable[[int, int], None] | None,
) -> int:
    """Wait for the worker, relaying its progress; TimeoutExpired after ``timeout`` seconds."""
    if progress is None:
        return process.wait(timeout=timeout)
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise subprocess.TimeoutExpired(process.args, timeout)
        try:
            status = process.wait(timeout=min(0.25, remaining))
        except subprocess.TimeoutExpired:
            status = None
        with contextlib.suppress(OSError, ValueError):
            done, total = (int(part) for part in progress_file.read_text().split())
            progress(done, total)
        if status is not None:
            return status


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # the worker leads its own process group
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    process.wait()


def _tail(log: Path) -> str:
    text = log.read_text(encoding="utf-8", errors="replace").rstrip()
    tail = "\n".join(text.splitlines()[-_STDERR_TAIL_LINES:])
    return tail[-_STDERR_TAIL_CHARS:]


def _read_result(
    work: Path, job: Mapping[str, Any], status: int, stderr: str, model_label: str
) -> Scores:
    result_file = Path(job["result"])
    result = json.loads(result_file.read_text(encoding="utf-8")) if result_file.exists() else None
    if status == 0 and result is not None and result.get("ok"):
        values = np.load(job["output"], allow_pickle=False).astype(np.float64, copy=False)
        values.flags.writeable = False
        classes = result.get("classes")
        return Scores(
            values=values,
            kind="label" if result.get("kind") == "label" else "probability",
            classes=tuple(classes) if classes is not None else None,
            note=result.get("note"),
            sandbox=str(result.get("sandbox") or ""),
        )
    if result is not None and not result.get("ok"):
        error = DataError if result.get("error") == "DataError" else ModelError
        raise error(f"model {model_label!r}: {result.get('message')}")
    if status < 0:
        try:
            how = f"was killed by signal {signal.Signals(-status).name}"
        except ValueError:
            how = f"was killed by signal {-status}"
    else:
        how = f"exited with status {status}"
    detail = f"; its last output:\n{stderr}" if stderr else " without output"
    raise ModelError(f"model {model_label!r} crashed: the scoring worker {how}{detail}")

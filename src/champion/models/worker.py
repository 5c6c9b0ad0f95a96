"""The child process that loads one model and scores the test data: ``python -m
champion.models.worker JOB.json`` (:mod:`champion.models.scoring` runs this file by its path, so
that the worker does not import the registry code of ``champion.models``).

The parent (:mod:`champion.models.scoring`) has already applied champion's loading policy. The
job file names the model directory, the flavour to load it with, the Parquet file of test rows
and where to write the results: ``values`` (n,) float64 as ``.npy`` ((n, K) class
probabilities when the job's ``task`` is "multiclass") and a small JSON
``{"ok": true, "kind", "classes", "note"}``; a failure writes ``{"ok": false, "error", "message"}``
and exits with status 1. A crash, a hang or a kill leaves no result: the parent reports it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from champion.errors import DataError, ModelError
from champion.models.multiclass_output import interpret_multiclass

LABELS_NOTE = "labels only: ranking metrics and curves are unavailable"
FloatArray = npt.NDArray[np.float64]
Interpretation = tuple[FloatArray, str, tuple[Any, ...] | None, str | None]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the job named by ``argv[0]``; 0 on success, 1 when the model failed."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m champion.models.worker JOB.json", file=sys.stderr)
        return 2
    job = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    confine(job.get("limits", {}))  # before any of the model's code runs
    result_path = Path(job["result"])
    phase = "loading"
    try:
        frame = pd.read_parquet(job["input"])
        model = load(job)
        phase = "predicting with"
        values, kind, classes, note = predict_in_chunks(model, frame, job)
    except (ModelError, DataError) as exc:
        _write(result_path, {"ok": False, "error": type(exc).__name__, "message": str(exc)})
        return 1
    except Exception as exc:
        message = f"{type(exc).__name__} while {phase} the model: {exc}"
        _write(result_path, {"ok": False, "error": "ModelError", "message": message})
        return 1
    np.save(job["output"], values, allow_pickle=False)
    sandbox = os.environ.get("CHAMPION_SANDBOX", "")  # set by sandbox.py, which started this
    payload = {"kind": kind, "classes": _json_classes(classes), "note": note, "sandbox": sandbox}
    _write(result_path, {"ok": True, **payload})
    return 0


_RLIMITS = {
    "core": "RLIMIT_CORE",
    "cpu": "RLIMIT_CPU",
    "nofile": "RLIMIT_NOFILE",
    "as": "RLIMIT_AS",
}


def confine(limits: Mapping[str, int]) -> None:
    """Private files (umask 077) and the resource limits given (name -> soft and hard limit,
    lowered only: a limit above the current hard one stays at the hard one)."""
    os.umask(0o077)
    try:
        import resource
    except ImportError:  # not a POSIX system: the umask is all there is
        return
    for name, value in limits.items():
        which = getattr(resource, _RLIMITS.get(name, ""), None)
        if which is None:
            continue
        _soft, hard = resource.getrlimit(which)
        wanted = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (wanted, wanted))


def predict_in_chunks(model: Any, frame: pd.DataFrame, job: Mapping[str, Any]) -> Interpretation:
    """predict() over chunks of rows, recording "rows done / rows" for the parent's progress bar.

    Models score rows independently, so chunking changes nothing but memory and feedback.
    """
    size = max(1, int(job.get("chunk_rows") or len(frame) or 1))
    progress = Path(job["progress"]) if job.get("progress") else None
    parts: list[Interpretation] = []
    for start in range(0, len(frame), size):
        parts.append(predict(model, frame.iloc[start : start + size], job))
        if progress is not None:
            _write_text(progress, f"{min(start + size, len(frame))} {len(frame)}")
    values = np.concatenate([part[0] for part in parts])
    # a chunk of probabilities that happen to be all 0 or 1 looks like labels: any chunk of
    # probabilities settles it (the values are the same either way)
    kind = "probability" if any(part[1] == "probability" for part in parts) else parts[0][1]
    notes = dict.fromkeys(part[3] for part in parts if part[3] and part[1] == kind)
    return values, kind, parts[0][2], "; ".join(notes) or None


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _write(path: Path, payload: Mapping[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload), encoding="utf-8")
    tmp.replace(path)


def _json_classes(classes: tuple[Any, ...] | None) -> list[Any] | None:
    if classes is None:
        return None
    out: list[Any] = []
    for c in classes:
        value = c.item() if isinstance(c, np.generic) else c
        ok = value is None or isinstance(value, str | int | float | bool)
        out.append(value if ok else str(value))
    return out


def load(job: Mapping[str, Any]) -> Any:
    """Load the model with its native flavour (skops files with champion's trusted types)."""
    model_dir = str(job["model_dir"])
    flavor, fmt = job["flavor"], job["format"]
    if fmt == "skops":
        import skops.io

        (file,) = job["model_files"]
        return skops.io.load(Path(model_dir) / file, trusted=list(job["trusted_types"]))
    if flavor == "sklearn":
        import mlflow.sklearn

        return mlflow.sklearn.load_model(model_dir)
    if flavor == "lightgbm":
        import mlflow.lightgbm

        return mlflow.lightgbm.load_model(model_dir)
    if flavor == "xgboost":
        import mlflow.xgboost

        return mlflow.xgboost.load_model(model_dir)
    if flavor == "catboost":
        import mlflow.catboost

        return mlflow.catboost.load_model(model_dir)
    import mlflow.pyfunc

    return mlflow.pyfunc.load_model(model_dir)


def predict(model: Any, frame: pd.DataFrame, job: Mapping[str, Any]) -> Interpretation:
    """(values, kind, classes, note) for ``frame`` (n rows): values (n,) for a binary job,
    (n, K) class probabilities in the model's class order for a multiclass one."""
    pos_label = job["pos_label"]
    notes: list[str | None] = []
    columns = job.get("columns")
    if columns is not None:
        frame = frame[list(columns)]
    else:
        frame, dropped = _fitted_columns(model, frame)
        notes.append(dropped)
    if job.get("task") == "multiclass":
        values, kind, classes, note = _multiclass(model, frame, job["flavor"])
        if values.ndim != 2 or values.shape[0] != len(frame):
            raise ModelError(f"the model returned {values.shape} values for {len(frame)} rows.")
        return values, kind, classes, "; ".join(n for n in [*notes, note] if n) or None
    if job["flavor"] == "pyfunc":
        output = model.predict(frame)
        values, kind, classes, note = interpret_output(output, pos_label, _pyfunc_classes(model))
    elif callable(getattr(model, "predict_proba", None)):
        values, kind, classes, note = interpret_output(
            model.predict_proba(frame), pos_label, getattr(model, "classes_", None)
        )
    elif _is_booster(model):
        values, kind, classes, note = _booster_output(model, frame, pos_label)
    else:
        values, kind, classes, note = interpret_output(
            model.predict(frame), pos_label, getattr(model, "classes_", None)
        )
    notes.append(note)
    if values.shape != (len(frame),):
        raise ModelError(f"the model returned {values.shape} values for {len(frame)} rows.")
    missing = int(np.isnan(values).sum())
    if missing:
        raise ModelError(f"the model predicted {missing} missing (NaN) values.")
    return values, kind, classes, "; ".join(n for n in notes if n) or None


def _multiclass(model: Any, frame: pd.DataFrame, flavor: str) -> Interpretation:
    """Every class's probability, the way each kind of model gives them."""
    if flavor == "pyfunc":
        return interpret_multiclass(model.predict(frame), _pyfunc_classes(model))
    if callable(getattr(model, "predict_proba", None)):
        return interpret_multiclass(model.predict_proba(frame), getattr(model, "classes_", None))
    if _is_booster(model):
        raw = np.asarray(_booster_predict(model, frame), dtype=np.float64)
        # a native booster with a softmax objective has classes 0..K-1, a column each
        width = raw.shape[1] if raw.ndim == 2 else 0
        return interpret_multiclass(raw, tuple(range(width)) if width else None)
    return interpret_multiclass(model.predict(frame), getattr(model, "classes_", None))


def _pyfunc_classes(model: Any) -> Any:
    """``classes_`` of the model a pyfunc wraps (e.g. scikit-learn), or None."""
    try:
        raw = model.get_raw_model()
    except Exception:  # PythonModel and other wrappers do not expose one
        return None
    return getattr(raw, "classes_", None)


def _fitted_columns(model: Any, frame: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """Without a signature: the columns the model was fitted with, in their order."""
    names = getattr(model, "feature_names_in_", None)
    if names is None and _is_booster(model):
        # a booster trained on a plain array names its features Column_0, ...: positional
        listed = model.feature_names if hasattr(model, "feature_names") else model.feature_name()
        booster_names = [str(n) for n in listed or []]
        if booster_names and set(booster_names) <= set(map(str, frame.columns)):
            names = booster_names
    if names is None:
        return frame, None
    names = [str(n) for n in names]
    absent = [n for n in names if n not in frame.columns]
    if absent:
        listed = ", ".join(map(repr, absent[:20]))
        raise DataError(f"the test data lacks columns the model was fitted with: {listed}.")
    extra = [str(c) for c in frame.columns if c not in set(names)]
    note = f"columns the model was not fitted with dropped: {', '.join(map(repr, extra))}"
    return frame[names], note if extra else None


def _is_booster(model: Any) -> bool:
    name = f"{type(model).__module__}.{type(model).__qualname__}"
    return name in ("lightgbm.basic.Booster", "xgboost.core.Booster")


def _booster_output(model: Any, frame: pd.DataFrame, pos_label: Any) -> Interpretation:
    """A native booster with a binary objective predicts P(class 1) directly."""
    out = np.asarray(_booster_predict(model, frame), dtype=np.float64)
    if out.ndim != 1 or np.any((out < 0) | (out > 1)):
        raise ModelError(
            "the booster does not predict one probability per row (shape "
            f"{out.shape}); champion scores binary classifiers only."
        )
    index = _position((0, 1), pos_label)
    if index is None:
        raise ModelError(f"pos_label {pos_label!r} is not a class of the booster (0, 1).")
    return (out if index == 1 else 1.0 - out), "probability", (0, 1), None


def _booster_predict(model: Any, frame: pd.DataFrame) -> Any:
    if type(model).__module__.startswith("xgboost"):
        import xgboost

        return model.predict(xgboost.DMatrix(frame))
    return model.predict(frame)


def _position(classes: Sequence[Any], pos_label: Any) -> int | None:
    """Index of ``pos_label`` in ``classes``: exact match first, else by text ("1" ~ 1)."""
    exact = [i for i, c in enumerate(classes) if _same(c, pos_label)]
    if len(exact) == 1:
        return exact[0]
    text = [i for i, c in enumerate(classes) if str(_plain(c)) == str(pos_label)]
    return text[0] if len(text) == 1 else None


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _same(value: Any, pos_label: Any) -> bool:
    try:
        return bool(_plain(value) == pos_label)
    except (TypeError, ValueError):
        return False


def interpret_output(output: Any, pos_label: Any, classes: Sequence[Any] | None) -> Interpretation:
    """Positive-class scores from what ``predict_proba`` / ``predict`` returned.

    ``output``: (n, k) class probabilities (column of ``pos_label`` picked via ``classes``),
    (n,) or (n, 1) probabilities in [0, 1], or (n,) labels (kind "label": 1.0 where the label is
    ``pos_label``). Raises ModelError for anything else.
    """
    known = tuple(classes) if classes is not None else None
    if isinstance(output, pd.DataFrame):
        names = list(output.columns)
        if output.shape[1] == 1:
            output = output.iloc[:, 0]
        elif known is None and _position(names, pos_label) is not None:
            known = tuple(names)
    array = np.asarray(output)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim == 2:
        return _pick_column(array, pos_label, known)
    if array.ndim != 1:
        raise ModelError(f"the model returned an array of shape {array.shape}.")
    numbers = _as_numbers(array)
    if numbers is None or _whole(numbers):
        return _labels(array if numbers is None else numbers, pos_label, known)
    if np.all((numbers >= 0) & (numbers <= 1)):
        return numbers, "probability", known, None
    raise ModelError(
        "the model's predictions are neither probabilities in [0, 1] nor class labels "
        f"(e.g. {float(numbers[~((numbers >= 0) & (numbers <= 1))][0])!r}); champion scores "
        "classifiers that return positive-class probabilities or labels."
    )


def _pick_column(
    array: npt.NDArray[Any], pos_label: Any, classes: tuple[Any, ...] | None
) -> Interpretation:
    width = array.shape[1]
    probs = np.asarray(array, dtype=np.float64)
    if classes is not None and len(classes) == width:
        index = _position(classes, pos_label)
        if index is None:
            listed = ", ".join(repr(_plain(c)) for c in classes)
            raise ModelError(
                f"pos_label {pos_label!r} is not one of the model's classes ({listed}); "
                "pass --pos-label with one of them."
            )
        return probs[:, index].copy(), "probability", classes, None
    if width == 2:
        note = "two-column output without class names: column 1 taken as the positive class"
        return probs[:, 1].copy(), "probability", None, note
    raise ModelError(
        f"the model returned {width} columns per row and no class names; champion scores "
        "binary classifiers."
    )


def _as_numbers(array: npt.NDArray[Any]) -> FloatArray | None:
    """The array as float64, or None when it holds text, booleans or other objects."""
    if array.dtype.kind in "iuf":
        return np.asarray(array, dtype=np.float64)
    if array.dtype.kind == "O" and all(
        isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
        for v in array
    ):
        return np.asarray(array, dtype=np.float64)
    return None


def _whole(numbers: FloatArray) -> bool:
    finite = numbers[np.isfinite(numbers)]
    return bool(len(finite) == len(numbers) and np.all(finite == np.round(finite)))


def _labels(
    labels: npt.NDArray[Any], pos_label: Any, classes: tuple[Any, ...] | None
) -> Interpretation:
    """Labels-only output: 1.0 where the label is ``pos_label``, else 0.0."""
    seen = list(dict.fromkeys(_plain(v) for v in labels))
    candidates = list(classes) if classes is not None else seen
    index = _position(candidates, pos_label)
    note = LABELS_NOTE
    if index is not None:
        positive = candidates[index]
    elif classes is None and set(seen) <= {0, 1} and not _is_number(pos_label, (0, 1)):
        positive = 1
        note += f"; its 0/1 output read as 1 = {pos_label!r}"
    elif classes is not None:
        listed = ", ".join(repr(_plain(c)) for c in classes)
        raise ModelError(
            f"pos_label {pos_label!r} is not one of the model's classes ({listed}); "
            "pass --pos-label with one of them."
        )
    else:
        positive = pos_label
        note += f"; it predicted no {pos_label!r} label"
    values = np.fromiter((_same(v, positive) for v in labels), dtype=np.float64, count=len(labels))
    return values, "label", classes, note


def _is_number(value: Any, options: tuple[int, ...]) -> bool:
    return isinstance(value, int | float) and value in options


if __name__ == "__main__":
    sys.exit(main())

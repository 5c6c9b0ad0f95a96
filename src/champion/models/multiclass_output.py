"""What a multiclass model's output means: class probabilities (n, K) in the model's own class
order, or predicted labels turned into one-hot rows.

The scoring worker (:mod:`champion.models.worker`) imports this module by name; it imports
nothing of the registry code (``champion.models`` loads its names lazily), only numpy and
pandas. The columns stay in the model's order with its ``classes``: lining up several versions'
classes with the test set's labels is the caller's work, where every version is known.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from champion.errors import ModelError

MULTICLASS_LABELS_NOTE = (
    "labels only: its predicted class counts as probability 1, so ranking metrics, log loss and "
    "curves are unavailable"
)
FloatArray = npt.NDArray[np.float64]
#: (values (n, K) float64, kind "probability" | "label", classes (K,), note)
Multiclass = tuple[FloatArray, str, tuple[Any, ...], str | None]


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (class names go to JSON)."""
    return value.item() if isinstance(value, np.generic) else value


def interpret_multiclass(output: Any, classes: Sequence[Any] | None) -> Multiclass:
    """Class probabilities (n, K) and their classes from what ``predict_proba`` / ``predict``
    returned: an (n, K) array with ``classes`` (the model's ``classes_``) or a DataFrame whose
    columns name the classes; or (n,) predicted labels, made one-hot over ``classes`` (or the
    labels seen, sorted, when the model does not list its classes). ModelError for one
    probability per row (a binary classifier's output) or anything else."""
    known = None if classes is None else tuple(plain(c) for c in classes)
    if isinstance(output, pd.DataFrame):
        if output.shape[1] > 1 and known is None:
            known = tuple(plain(c) for c in output.columns)
        output = output.iloc[:, 0] if output.shape[1] == 1 else output.to_numpy()
    array = np.asarray(output)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim == 2:
        return _probabilities(array, known)
    if array.ndim != 1:
        raise ModelError(f"the model returned an array of shape {array.shape}.")
    if array.dtype.kind == "f" and not np.all(array == np.round(array)):
        raise ModelError(
            "the model returns one probability per row, as a binary classifier does, but the "
            "test set's target has more than two classes: score it with a binary target, or "
            "register a model whose predict_proba returns a column per class."
        )
    return _one_hot(array, known)


def _probabilities(array: npt.NDArray[Any], classes: tuple[Any, ...] | None) -> Multiclass:
    """(n, K) probabilities in the model's class order, checked."""
    width = array.shape[1]
    if classes is None or len(classes) != width:
        named = "no class names" if classes is None else f"{len(classes)} class names"
        raise ModelError(
            f"the model returned {width} columns per row and {named}; champion needs the "
            "model's classes (scikit-learn's classes_, or a DataFrame whose columns name them) "
            "to tell which column is which class."
        )
    try:
        values = np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError):
        raise ModelError("the model's class probabilities are not numbers.") from None
    finite = np.isfinite(values)
    if not finite.all() or np.any((values < 0) | (values > 1)):
        bad = float(values[~finite | (values < 0) | (values > 1)][0])
        raise ModelError(
            f"the model's class probabilities must be numbers in [0, 1]; it returned {bad!r}."
        )
    if len(set(classes)) != width:
        raise ModelError(f"the model lists a class twice: {list(classes)}.")
    return values, "probability", classes, None


def _one_hot(labels: npt.NDArray[Any], classes: tuple[Any, ...] | None) -> Multiclass:
    """(n, K) rows with 1.0 in the predicted class's column."""
    seen = [plain(v) for v in labels]
    order = classes if classes is not None else tuple(sorted(set(seen), key=_sort_key))
    index = {c: i for i, c in enumerate(order)}
    unknown = sorted({v for v in seen if v not in index}, key=_sort_key)
    if unknown:
        listed = ", ".join(repr(v) for v in unknown[:10])
        raise ModelError(f"the model predicted labels that are not among its classes: {listed}.")
    values = np.zeros((len(seen), len(order)), dtype=np.float64)
    values[np.arange(len(seen)), [index[v] for v in seen]] = 1.0
    return values, "label", order, MULTICLASS_LABELS_NOTE


def _sort_key(value: Any) -> tuple[str, Any]:
    """Labels of one type sort by value; mixed types by their type's name first."""
    return (type(value).__name__, value)

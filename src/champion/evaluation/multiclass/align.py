"""Several versions' class probabilities on one set of classes: the union of the test set's
labels and every version's classes.

Versions of a model may know different classes (a class added in a retrain, a class a small
training set missed). They are compared on the union, sorted: a class a version does not know
gets probability 0 in its rows, with a note, because that is what the version says of it. A
version whose classes have nothing in common with the test set's labels is refused: its columns
cannot be matched to the labels (``0, 1, 2`` against ``"adelie", ...`` usually means the labels
were encoded for training and not for the test set). Labels match exactly, else by their text
(``1`` and ``"1"``: a CSV read back gives text where training saw numbers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from champion.errors import DataError
from champion.evaluation.inputs import FloatArray


@dataclass(frozen=True)
class AlignedClasses:
    """classes (K,): the union, sorted; probabilities: version -> (n, K) in that order;
    notes: what a reader should know (classes a version does not know, labels matched by text)."""

    classes: tuple[Any, ...]
    probabilities: Mapping[str, FloatArray]
    notes: tuple[str, ...]


def _key(value: Any) -> tuple[str, Any]:
    """Labels of one type sort by value; mixed types by their type's name first."""
    return (type(value).__name__, value)


def _matched(labels: Sequence[Any], classes: Sequence[Any]) -> tuple[list[Any], bool] | None:
    """The test label each of a version's classes stands for, in the version's order, and
    whether they were matched by text (when none matches exactly); None when nothing matches."""
    known = set(labels)
    if any(c in known for c in classes):
        return list(classes), False
    by_text = {str(label): label for label in labels}
    if not any(str(c) in by_text for c in classes):
        return None
    return [by_text.get(str(c), c) for c in classes], True


def align_classes(
    labels: Sequence[Any], versions: Mapping[str, tuple[FloatArray, Sequence[Any]]]
) -> AlignedClasses:
    """The versions' probabilities (name -> ((n, K_v) in its classes' order, classes (K_v,)))
    on the union of the test set's distinct labels and every version's classes, sorted.

    DataError naming the version, its classes and the labels when they share nothing."""
    distinct = list(dict.fromkeys(labels))
    renamed: dict[str, list[Any]] = {}
    notes: list[str] = []
    for name, (_, classes) in versions.items():
        matched = _matched(distinct, list(classes))
        if matched is None:
            shown = ", ".join(repr(c) for c in sorted(distinct, key=_key)[:10])
            raise DataError(
                f"{name}'s classes ({', '.join(repr(c) for c in classes)}) have nothing in "
                f"common with the test set's labels ({shown}): was the target encoded for "
                "training? Give the test set the labels the model was trained on."
            )
        renamed[name], by_text = matched
        if len(set(renamed[name])) != len(renamed[name]):
            raise DataError(f"{name} lists a class twice: {list(classes)}.")
        if by_text:
            notes.append(f"{name}'s classes matched to the test set's labels by their text")
    union = sorted(set(distinct).union(*map(set, renamed.values())), key=_key)
    position = {c: i for i, c in enumerate(union)}
    aligned: dict[str, FloatArray] = {}
    for name, (values, _) in versions.items():
        out = np.zeros((values.shape[0], len(union)), dtype=np.float64)
        out[:, [position[c] for c in renamed[name]]] = values
        aligned[name] = out
        missing = [c for c in union if c not in set(renamed[name])]
        if missing:
            listed = ", ".join(repr(c) for c in missing)
            notes.append(f"{name} does not know class {listed}: probability 0 in every row")
    return AlignedClasses(tuple(union), aligned, tuple(notes))

"""Metrics of the predicted classes, all read off the K x K confusion matrix.

Each equals scikit-learn's function called with ``labels=classes`` (so averages run over every
class of the model, also one absent from y_true) and the same ``sample_weight``:

* per class, ``precision_recall_fscore_support(average=None)``: NaN where undefined (a class
  never predicted has no precision, a class absent from y_true no recall, one that is neither
  no F1) where scikit-learn's default ``zero_division="warn"`` says 0.0 with a warning;
* ``precision_macro`` ... ``f1_micro``: ``precision_score`` etc. with that default, so an
  undefined per-class value counts as 0 in the average, as in scikit-learn; a note says so;
* ``balanced_accuracy``: ``balanced_accuracy_score``, the mean recall of the classes present in
  y_true (an absent class is left out, unlike ``recall_macro``);
* ``mcc``: ``matthews_corrcoef``, Gorodkin's (2004) R_K; NaN where it is 0/0 (every row in one
  true class, or every row predicted as one class), where scikit-learn returns 0.0;
* ``cohen_kappa``: ``cohen_kappa_score``; NaN where undefined, as scikit-learn's default
  ``replace_undefined_by=np.nan``.

O(K^2) once the matrix is known.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from champion.evaluation.inputs import BoolArray, FloatArray
from champion.evaluation.metrics import dot
from champion.evaluation.multiclass.confusion import ConfusionMatrix

LABEL_METRICS: tuple[str, ...] = (
    "accuracy",
    "balanced_accuracy",
    "precision_macro",
    "recall_macro",
    "f1_macro",
    "precision_weighted",
    "recall_weighted",
    "f1_weighted",
    "f1_micro",
    "mcc",
    "cohen_kappa",
)
ZERO_DIVISION = "as scikit-learn's zero_division default does"


@dataclass(frozen=True)
class ClassRates:
    """Per-class precision, recall and F1 (each (K,), ``classes`` order), NaN where undefined."""

    precision: FloatArray
    recall: FloatArray
    f1: FloatArray


def ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    """num / den elementwise, NaN where den == 0 (no warning)."""
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def class_rates(cm: ConfusionMatrix) -> ClassRates:
    """Precision, recall and F1 of each class, one-vs-rest, from the confusion matrix."""
    correct, support, predicted = cm.correct, cm.support, cm.predicted
    # F1 = 2 tp / (2 tp + fp + fn) = 2 tp / (support + predicted), as scikit-learn computes it
    return ClassRates(
        precision=ratio(correct, predicted),
        recall=ratio(correct, support),
        f1=ratio(2.0 * correct, support + predicted),
    )


def named(cm: ConfusionMatrix, mask: BoolArray) -> str:
    """The labels of the classes where mask (K,) is True, for notes."""
    return ", ".join(repr(cm.classes[k]) for k in np.flatnonzero(mask))


def label_metrics(cm: ConfusionMatrix) -> tuple[dict[str, float], dict[str, str]]:
    """Every metric of LABEL_METRICS (NaN where undefined) and a note for each value that is
    undefined or that counts an undefined per-class value as 0."""
    rates = class_rates(cm)
    support, total = cm.support, cm.total
    values: dict[str, float] = {"accuracy": float(cm.correct.sum()) / total}
    present = support > 0
    values["balanced_accuracy"] = float(np.mean(rates.recall[present]))
    for name, rate in (
        ("precision", rates.precision),
        ("recall", rates.recall),
        ("f1", rates.f1),
    ):
        # scikit-learn's zero_division="warn": an undefined class value is 0 in the averages
        filled = np.nan_to_num(rate, nan=0.0)
        values[f"{name}_macro"] = float(np.mean(filled))
        values[f"{name}_weighted"] = dot(support, filled) / total
    # micro F1 pools the classes: 2 tp / (support + predicted), summed over classes
    values["f1_micro"] = 2.0 * float(cm.correct.sum()) / float(support.sum() + cm.predicted.sum())
    values["mcc"] = _gorodkin(cm)
    values["cohen_kappa"] = _kappa(cm)
    return values, _notes(cm, rates, values)


def _gorodkin(cm: ConfusionMatrix) -> float:
    """Gorodkin's R_K, written as scikit-learn's matthews_corrcoef; NaN when it is 0/0."""
    support, predicted, total = cm.support, cm.predicted, cm.total
    cov_true_pred = float(cm.correct.sum()) * total - dot(support, predicted)
    cov_pred = total * total - dot(predicted, predicted)
    cov_true = total * total - dot(support, support)
    spread = cov_pred * cov_true
    return cov_true_pred / float(np.sqrt(spread)) if spread != 0 else float("nan")


def _kappa(cm: ConfusionMatrix) -> float:
    """Cohen's kappa: 1 - observed disagreement / disagreement expected by chance."""
    total = cm.total
    observed = total - float(cm.correct.sum())
    # off-diagonal mass of outer(predicted, support) / total: the chance disagreement
    expected = (total * total - dot(cm.predicted, cm.support)) / total
    return 1.0 - observed / expected if expected != 0 else float("nan")


def _notes(cm: ConfusionMatrix, rates: ClassRates, values: dict[str, float]) -> dict[str, str]:
    notes: dict[str, str] = {}
    support = cm.support
    absent, never = support == 0, cm.predicted == 0
    if absent.any():
        notes["recall_macro"] = (
            f"classes absent from y_true ({named(cm, absent)}) have no recall; it counts as 0 "
            f"here, {ZERO_DIVISION} (balanced_accuracy leaves them out)"
        )
        notes["balanced_accuracy"] = (
            f"the mean recall of the classes present in y_true; {named(cm, absent)} left out "
            "(absent), as scikit-learn's balanced_accuracy_score does"
        )
    if never.any():
        notes["precision_macro"] = (
            f"classes never predicted ({named(cm, never)}) have no precision; it counts as 0 "
            f"here, {ZERO_DIVISION}"
        )
    if (never & ~absent).any():
        notes["precision_weighted"] = (
            f"classes never predicted ({named(cm, never & ~absent)}) have no precision; it "
            f"counts as 0 here, {ZERO_DIVISION}"
        )
    if np.isnan(rates.f1).any():
        notes["f1_macro"] = (
            f"classes neither in y_true nor predicted ({named(cm, np.isnan(rates.f1))}) have no "
            f"F1; it counts as 0 here, {ZERO_DIVISION}"
        )
    if np.isnan(values["mcc"]):
        single = [
            what
            for what, side in (
                ("has the same true class", support),
                ("is predicted as one class", cm.predicted),
            )
            if np.count_nonzero(side) == 1
        ]
        notes["mcc"] = f"undefined: every row {' and '.join(single)} (scikit-learn returns 0.0)"
    if np.isnan(values["cohen_kappa"]):
        notes["cohen_kappa"] = (
            "undefined: labels and predictions fall in one and the same class, so chance "
            "agreement is perfect"
        )
    return notes

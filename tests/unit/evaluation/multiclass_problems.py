"""Synthetic multiclass problems (ties, absent classes, string and integer labels, weights, any
column order) and scikit-learn's value of every multiclass metric on them; the population values
that the interval coverage simulations check against."""

from __future__ import annotations

import functools
import itertools
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from sklearn import metrics as skm

from champion.evaluation.multiclass import evaluate_multiclass

TIES = ("none", "coarse", "uniform_rows", "one_hot_rows")


@dataclass(frozen=True)
class MulticlassProblem:
    y: np.ndarray  # (n,) labels, each one of classes
    proba: np.ndarray  # (n, K) float64, column j the probability of classes[j]
    classes: np.ndarray  # (K,) labels in column order (sorted or not)
    weight: np.ndarray | None  # (n,) float64 or None
    description: str

    @property
    def codes(self) -> np.ndarray:
        """Index in classes of each row's label, (n,)."""
        sorter = np.argsort(self.classes)
        return sorter[np.searchsorted(self.classes[sorter], self.y)]

    @property
    def predicted(self) -> np.ndarray:
        """Predicted labels, as a scikit-learn model's predict: classes_[argmax]."""
        return self.classes[np.argmax(self.proba, axis=1)]

    def sorted_columns(self) -> tuple[np.ndarray, np.ndarray]:
        """(labels sorted, probabilities in that column order): what scikit-learn expects."""
        order = np.argsort(self.classes, kind="stable")
        return self.classes[order], self.proba[:, order]


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def make_multiclass(
    n: int,
    k: int,
    seed: int,
    ties: str = "none",
    weighted: bool = False,
    labels: str = "int",
    absent: int = 0,
    shuffled: bool = False,
) -> MulticlassProblem:
    """A seeded problem of n rows and k classes, `absent` of them with no rows in y."""
    rng = np.random.default_rng(seed)
    present = rng.choice(k, size=k - absent, replace=False)
    codes = present[rng.integers(0, present.size, n)]
    logits = rng.normal(0.0, 1.0, (n, k)) + 1.5 * np.eye(k)[codes]
    if ties == "coarse":  # few distinct values: ties across rows and within rows (argmax ties)
        logits = np.round(logits)
    proba = _softmax(logits)
    if ties == "uniform_rows":  # every class equally likely on some rows
        proba[rng.random(n) < 0.2] = 1.0 / k
    elif ties == "one_hot_rows":  # exact 0s and 1s, where log loss clips
        rows = rng.random(n) < 0.2
        proba[rows] = np.eye(k)[np.where(rng.random(n) < 0.7, codes, rng.integers(0, k, n))][rows]
    if labels == "int":
        classes = np.sort(rng.choice(np.arange(-5, 100), size=k, replace=False))
    else:
        classes = np.array(sorted(f"class_{word}" for word in rng.choice(1000, k, replace=False)))
    if shuffled:
        classes = classes[rng.permutation(k)]
    weight = rng.gamma(2.0, 1.0, n) if weighted else None
    description = (
        f"n={n} k={k} seed={seed} ties={ties} weighted={weighted} labels={labels} "
        f"absent={absent} shuffled={shuffled}"
    )
    return MulticlassProblem(classes[codes], proba, classes, weight, description)


@st.composite
def multiclass_problems(draw: st.DrawFn) -> MulticlassProblem:
    k = draw(st.integers(3, 20))
    return make_multiclass(
        n=draw(st.one_of(st.integers(1, 40), st.integers(40, 3000))),
        k=k,
        seed=draw(st.integers(0, 2**32 - 1)),
        ties=draw(st.sampled_from(TIES)),
        weighted=draw(st.booleans()),
        labels=draw(st.sampled_from(["int", "str"])),
        absent=draw(st.sampled_from([0, 0, 1, k - 2])),
        shuffled=draw(st.booleans()),
    )


def weighted_ovo(p: MulticlassProblem) -> float:
    """Hand & Till with sample weights, pair by pair with scikit-learn's weighted binary AUC
    (scikit-learn's roc_auc_score refuses weights for multi_class="ovo")."""
    codes = p.codes
    present = [c for c in range(p.classes.size) if np.any(codes == c)]
    pairs = []
    for a, b in itertools.combinations(present, 2):
        rows = (codes == a) | (codes == b)
        w = None if p.weight is None else p.weight[rows]
        auc_a = skm.roc_auc_score(codes[rows] == a, p.proba[rows, a], sample_weight=w)
        auc_b = skm.roc_auc_score(codes[rows] == b, p.proba[rows, b], sample_weight=w)
        pairs.append((auc_a + auc_b) / 2)
    return float(np.mean(pairs)) if pairs else float("nan")


def sklearn_metrics(p: MulticlassProblem) -> dict[str, float]:
    """scikit-learn's value of every multiclass metric (NaN where it says undefined)."""
    labels, proba = p.sorted_columns()
    y, pred, w = p.y, p.predicted, p.weight
    values: dict[str, float] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values["accuracy"] = skm.accuracy_score(y, pred, sample_weight=w)
        values["balanced_accuracy"] = skm.balanced_accuracy_score(y, pred, sample_weight=w)
        for average in ("macro", "weighted"):
            prf = skm.precision_recall_fscore_support(
                y, pred, labels=labels, average=average, sample_weight=w
            )
            for name, value in zip(("precision", "recall", "f1"), prf[:3], strict=True):
                values[f"{name}_{average}"] = value
        values["f1_micro"] = skm.f1_score(y, pred, labels=labels, average="micro", sample_weight=w)
        values["mcc"] = skm.matthews_corrcoef(y, pred, sample_weight=w)
        values["cohen_kappa"] = skm.cohen_kappa_score(y, pred, labels=labels, sample_weight=w)
        values["top_2_accuracy"] = skm.top_k_accuracy_score(
            y, proba, k=2, labels=labels, sample_weight=w
        )
        for average in ("macro", "weighted"):
            values[f"roc_auc_ovr_{average}"] = skm.roc_auc_score(
                y, proba, multi_class="ovr", average=average, labels=labels, sample_weight=w
            )
        if w is None:
            values["roc_auc_ovo_macro"] = skm.roc_auc_score(
                y, proba, multi_class="ovo", average="macro", labels=labels
            )
        else:
            values["roc_auc_ovo_macro"] = weighted_ovo(p)
        values["log_loss"] = skm.log_loss(y, proba, labels=labels, sample_weight=w)
        values["brier"] = skm.brier_score_loss(y, proba, labels=labels, sample_weight=w)
    return {name: float(value) for name, value in values.items()}


def reference_ece(p: MulticlassProblem, n_bins: int = 10) -> float:
    """Top-label ECE from the rows: equal-width bins, a value on an inner edge in the lower bin."""
    top = p.proba.max(axis=1)
    right = (p.predicted == p.y).astype(float)
    w = np.ones(p.y.size) if p.weight is None else p.weight
    bins = np.searchsorted(np.linspace(0.0, 1.0, n_bins + 1)[1:-1], top, side="left")
    gaps = [abs(np.sum((w * (right - top))[bins == b])) for b in range(n_bins)]
    return float(sum(gaps) / w.sum())


# the metrics whose 95% intervals (values and paired differences) the coverage simulations check
COVERED = ("accuracy", "f1_macro", "roc_auc_ovr_macro", "log_loss", "mcc", "brier")
TRUTH_ROWS = 2_000_000


@functools.cache
def truth(k: int) -> Mapping[str, float]:
    """Population values of test_multiclass_intervals.two_models with k classes, from
    TRUTH_ROWS rows: "base <metric>" (the baseline) and "delta <metric>" (challenger - baseline)
    for each metric of COVERED. Computed once per k (about 4 s for k = 3, 13 s for k = 10);
    their Monte Carlo error (about 3e-4 for the accuracy) is some 2% of the half-width of the
    intervals checked, so it does not move the coverage."""
    # imported here: test_multiclass_intervals imports this module at its top
    from .test_multiclass_intervals import two_models

    y, base, challenger = two_models(TRUTH_ROWS, k, 99)
    a, b = (evaluate_multiclass(y, p, np.arange(k)).metrics for p in (base, challenger))
    found: dict[str, float] = {}
    for m in COVERED:
        value_a, value_b = a[m], b[m]
        assert value_a is not None
        assert value_b is not None
        found[f"base {m}"] = value_a
        found[f"delta {m}"] = value_b - value_a
    return found

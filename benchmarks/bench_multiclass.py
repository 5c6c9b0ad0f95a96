"""Benchmark a full multiclass evaluation with analytic intervals against scikit-learn's separate
calls for the same outputs and against K binary evaluations of the same rows, timed in the
same run.

Run from the repository root::

    .venv/bin/python benchmarks/bench_multiclass.py           # n = 1e5, 1e6; K = 10 (minutes)
    .venv/bin/python benchmarks/bench_multiclass.py --quick   # smoke run, n = 1e4, 1e5

For each n (K = 10 classes, softmax probabilities of noisy logits, float64) it prints the median
time of:

* ``champion``: ``evaluate_multiclass_intervals(y, proba, classes, ci="analytic")``: every
  metric, the per-class block (precision, recall, F1, one-vs-rest ROC AUC and average
  precision), the confusion matrix, the one-vs-one AUCs, the top-label calibration, and an
  interval for every metric (Wilson, DeLong, delta method);
* ``sklearn``: scikit-learn's separate calls for the same numbers (accuracy, balanced accuracy,
  precision / recall / F1 macro, weighted and micro, MCC, Cohen's kappa, top-2 accuracy, ROC AUC
  one-vs-rest macro and weighted and one-vs-one macro, log loss, the confusion matrix, and per
  class roc_auc_score, average_precision_score, roc_curve and precision_recall_curve of the
  class against the rest). scikit-learn computes no interval at all;
* ``K binary``: ``champion.evaluate(y == k, proba[:, k], n_boot=0, ci="analytic")`` for each
  class k;
* ``compare``: ``compare_multiclass`` of 2 models with ``ci="analytic"`` (for information; its
  ECE difference is still resampled, n_boot = 1000 by default).

Targets at n = 1e6: champion >= 5x faster than scikit-learn, and <= 1.5x the K binary
evaluations. Timings are interleaved (the order rotates in each repeat) so every side shares
the machine's noise.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from statistics import median
from typing import Any

import numpy as np
from sklearn import metrics as skm

from champion import evaluate
from champion.evaluation.multiclass.compare import compare_multiclass
from champion.evaluation.multiclass.intervals import evaluate_multiclass_intervals

SEED = 20261207
K = 10
TARGET_SKLEARN = 5.0  # at 1e6: sklearn / champion, at least
TARGET_BINARY = 1.5  # at 1e6: champion / K binary evaluations, at most


def make_problem(n: int, models: int = 2) -> tuple[np.ndarray, list[np.ndarray]]:
    """Labels (n,) in 0..K-1 and `models` probability matrices (n, K), rows summing to 1."""
    rng = np.random.default_rng(SEED)
    y = rng.integers(0, K, n)
    probas = []
    for i in range(models):
        logits = rng.normal(size=(n, K))
        logits[np.arange(n), y] += 1.0 + 0.2 * i
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        probas.append(p)
    return y, probas


def sklearn_all(y: np.ndarray, proba: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """scikit-learn's separate calls for the numbers (and curves) champion's evaluation gives."""
    pred = labels[np.argmax(proba, axis=1)]
    out: dict[str, Any] = {
        "accuracy": skm.accuracy_score(y, pred),
        "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
        "mcc": skm.matthews_corrcoef(y, pred),
        "cohen_kappa": skm.cohen_kappa_score(y, pred),
        "top_2_accuracy": skm.top_k_accuracy_score(y, proba, k=2, labels=labels),
        "roc_auc_ovr_macro": skm.roc_auc_score(y, proba, multi_class="ovr", average="macro"),
        "roc_auc_ovr_weighted": skm.roc_auc_score(y, proba, multi_class="ovr", average="weighted"),
        "roc_auc_ovo_macro": skm.roc_auc_score(y, proba, multi_class="ovo", average="macro"),
        "log_loss": skm.log_loss(y, proba, labels=labels),
        "confusion": skm.confusion_matrix(y, pred, labels=labels),
    }
    for average in ("macro", "weighted", "micro"):
        for name, fn in (
            ("precision", skm.precision_score),
            ("recall", skm.recall_score),
            ("f1", skm.f1_score),
        ):
            out[f"{name}_{average}"] = fn(y, pred, labels=labels, average=average)
    for k, label in enumerate(labels):
        positive = y == label
        out[f"roc_auc_{k}"] = skm.roc_auc_score(positive, proba[:, k])
        out[f"ap_{k}"] = skm.average_precision_score(positive, proba[:, k])
        out[f"roc_curve_{k}"] = skm.roc_curve(positive, proba[:, k])
        out[f"pr_curve_{k}"] = skm.precision_recall_curve(positive, proba[:, k])
    return out


def interleaved(fns: dict[str, Callable[[], Any]], repeats: int) -> dict[str, float]:
    """Median seconds of each function, the calling order rotating in every repeat."""
    names = list(fns)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            start = time.perf_counter()
            fns[name]()
            times[name].append(time.perf_counter() - start)
    return {name: median(values) for name, values in times.items()}


def bench(n: int, repeats: int) -> dict[str, float]:
    y, probas = make_problem(n)
    labels = np.arange(K)
    proba = probas[0]
    timed = interleaved(
        {
            "champion": lambda: evaluate_multiclass_intervals(y, proba, labels, ci="analytic"),
            "sklearn": lambda: sklearn_all(y, proba, labels),
            "binary": lambda: [
                evaluate(y == k, proba[:, k], n_boot=0, ci="analytic") for k in range(K)
            ],
            "compare": lambda: compare_multiclass(
                y, {"a": probas[0], "b": probas[1]}, labels, ci="analytic"
            ),
        },
        repeats,
    )
    return {
        **timed,
        "sklearn_speedup": timed["sklearn"] / timed["champion"],
        "vs_binary": timed["champion"] / timed["binary"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 1e4 and 1e5, one repeat")
    args = parser.parse_args(argv)
    sizes = [10_000, 100_000] if args.quick else [100_000, 1_000_000]
    repeats = 1 if args.quick else 3
    print(f"K = {K} classes; scikit-learn computes no intervals at all, champion an interval "
          "for every metric")  # fmt: skip
    print(f"{'n':>10} {'champion':>9} {'sklearn':>9} {'K binary':>9} {'compare':>9} "
          f"{'sk/champ':>9} {'champ/bin':>9}")  # fmt: skip
    results = {}
    for n in sizes:
        r = bench(n, repeats)
        results[n] = r
        times = " ".join(f"{r[key]:>8.3f}s" for key in ("champion", "sklearn", "binary", "compare"))
        print(f"{n:>10,} {times} {r['sklearn_speedup']:>8.1f}x {r['vs_binary']:>8.2f}x")
    if 1_000_000 in results:
        r = results[1_000_000]
        speedup = r["sklearn_speedup"]
        met = "met" if speedup >= TARGET_SKLEARN else f"missed by {TARGET_SKLEARN / speedup:.1f}x"
        print(
            f"target: champion at 1e6 >= {TARGET_SKLEARN:g}x faster than scikit-learn (which "
            f"gives no intervals): {speedup:.1f}x, {met}"
        )
        ratio = r["vs_binary"]
        met = "met" if ratio <= TARGET_BINARY else f"missed by {ratio / TARGET_BINARY:.2f}x"
        print(
            f"target: champion at 1e6 <= {TARGET_BINARY:g}x {K} binary evaluations: "
            f"{ratio:.2f}x, {met}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

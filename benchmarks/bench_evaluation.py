"""Benchmark champion's evaluation engine against np.argsort and scikit-learn.

Run from the repository root (``make bench`` runs the defaults)::

    .venv/bin/python benchmarks/bench_evaluation.py                 # n = 1e5, 1e6
    .venv/bin/python benchmarks/bench_evaluation.py --with-1e7      # adds n = 1e7
    .venv/bin/python benchmarks/bench_evaluation.py --quick         # smoke run, seconds
    .venv/bin/python benchmarks/bench_evaluation.py --json out.json

For each n it measures, on synthetic data (about 30% positives, float64 probabilities):

1. full evaluation of one model (``evaluate(y, s, n_boot=0)`` then the sweep metrics, gain,
   calibration, ROC and PR curves) against ``np.argsort`` of the same scores;
2. the same outputs from scikit-learn functions called one by one;
3. the bootstrap engine (1000 resamples, every metric) against a naive loop that calls the
   scikit-learn metric functions on each resample (timed on a few resamples, scaled to 1000);
4. peak memory of the full evaluation, in a fresh subprocess.

Every time is a median of several runs, and every ratio compares timings taken in the same run
of the script, interleaved (the order rotates in each repeat) so both sides share the noise.
Before timing, champion's outputs are checked against scikit-learn's.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from statistics import median
from types import SimpleNamespace
from typing import Any

import numpy as np

from champion import evaluate
from champion.evaluation import bootstrap as boot
from champion.evaluation.counts import count_by_threshold


@functools.cache
def sk() -> SimpleNamespace:
    """scikit-learn, imported on first use (the memory subprocess never imports it)."""
    import sklearn
    from sklearn import metrics
    from sklearn.calibration import calibration_curve

    try:  # scikit-learn >= 1.8
        from sklearn.metrics import confusion_matrix_at_thresholds

        def counts(y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, ...]:
            """tps, fps, thresholds at every distinct score, highest first."""
            _, fps, _, tps, thresholds = confusion_matrix_at_thresholds(y, s)
            return tps, fps, thresholds

        source = "confusion_matrix_at_thresholds"
    except ImportError:  # older scikit-learn: the private helper behind roc_curve
        from sklearn.metrics._ranking import _binary_clf_curve

        def counts(y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, ...]:
            fps, tps, thresholds = _binary_clf_curve(y, s)
            return tps, fps, thresholds

        source = "_binary_clf_curve"
    return SimpleNamespace(
        metrics=metrics,
        calibration_curve=calibration_curve,
        counts=counts,
        sweep_source=source,
        version=sklearn.__version__,
    )


THRESHOLD = 0.5
N_BOOT = 1000
SEED = 0
TOLERANCE = 1e-9  # champion vs scikit-learn, absolute, on values in [0, 1] (log loss: ~0.5)
# targets: ratio to np.argsort by n (none below 1e6), speed-ups, memory
TARGET_ARGSORT = {10**6: 2.0, 10**7: 1.5}
TARGET_SKLEARN = 6.0
TARGET_BOOTSTRAP = 15.0
TARGET_MEMORY_MB = {10**7: 2048.0}
MB = 1024.0 * 1024.0

THRESHOLD_METRICS = (
    "accuracy",
    "precision",
    "recall",
    "specificity",
    "f1",
    "balanced_accuracy",
    "mcc",
)
ALL_METRICS = (
    *THRESHOLD_METRICS,
    "roc_auc",
    "average_precision",
    "log_loss",
    "brier",
)


# --- data -------------------------------------------------------------------------------------


def make_data(n: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Labels (n,) int64 0/1 with ~30% ones and scores (n,) float64 in (0, 1)."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(np.int64)
    z = rng.normal(size=n)
    z += 1.5 * y - 1.0  # positives score higher: ROC AUC about 0.85
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1.0
    np.reciprocal(z, out=z)
    return y, z


# --- the measured work ------------------------------------------------------------------------


def full_evaluation(y: np.ndarray, s: np.ndarray) -> Any:
    """Every metric, DeLong CI, full ROC / PR / gain curves, calibration and the sweep."""
    report = evaluate(y, s, n_boot=0)
    _ = (report.sweep.metrics, report.gain, report.calibration, report.roc, report.pr)
    return report


def argsort_baseline(y: np.ndarray, s: np.ndarray) -> np.ndarray:
    return np.argsort(s)


def sklearn_point_metrics(y: np.ndarray, s: np.ndarray) -> dict[str, float]:
    """The 11 metrics from scikit-learn, one function each (specificity via confusion_matrix)."""
    skm = sk().metrics
    pred = (s >= THRESHOLD).astype(y.dtype)
    tn, fp, _, _ = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
    return {
        "accuracy": skm.accuracy_score(y, pred),
        "precision": skm.precision_score(y, pred, zero_division=np.nan),
        "recall": skm.recall_score(y, pred, zero_division=np.nan),
        "specificity": tn / (tn + fp) if tn + fp else math.nan,
        "f1": skm.f1_score(y, pred, zero_division=np.nan),
        "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
        "mcc": skm.matthews_corrcoef(y, pred),
        "roc_auc": skm.roc_auc_score(y, s),
        "average_precision": skm.average_precision_score(y, s),
        "log_loss": skm.log_loss(y, s, labels=[0, 1]),
        "brier": skm.brier_score_loss(y, s),
    }


def sweep_from_counts(tps: np.ndarray, fps: np.ndarray) -> dict[str, np.ndarray]:
    """The 7 threshold metrics at every threshold, with numpy, from cumulative counts."""
    positives, negatives = tps[-1], fps[-1]
    tns, fns = negatives - fps, positives - tps
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = tps / positives
        specificity = tns / negatives
        return {
            "accuracy": (tps + tns) / (positives + negatives),
            "precision": tps / (tps + fps),
            "recall": recall,
            "specificity": specificity,
            "f1": 2 * tps / (2 * tps + fps + fns),
            "balanced_accuracy": (recall + specificity) / 2,
            "mcc": (tps * tns - fps * fns)
            / np.sqrt((tps + fps) * (tps + fns) * (tns + fps) * (tns + fns)),
        }


def sklearn_evaluation(y: np.ndarray, s: np.ndarray) -> dict[str, Any]:
    """The outputs of full_evaluation that scikit-learn has, each from its own function."""
    out: dict[str, Any] = sklearn_point_metrics(y, s)
    skm = sk().metrics
    out["roc"] = skm.roc_curve(y, s, drop_intermediate=False)
    out["pr"] = skm.precision_recall_curve(y, s)
    out["calibration"] = sk().calibration_curve(y, s, n_bins=10)
    tps, fps, thresholds = sk().counts(y, s)
    out["sweep"] = sweep_from_counts(tps, fps)
    out["sweep_thresholds"] = thresholds
    return out


def ours_bootstrap_parts(y_bool: np.ndarray, s: np.ndarray, counts: Any) -> Any:
    """The per-model preparation the bootstrap needs (one argsort, per-row losses)."""
    return boot.prepare(counts, y_bool, s, THRESHOLD, True)


def naive_resample(y: np.ndarray, s: np.ndarray, rng: np.random.Generator) -> dict[str, float]:
    idx = rng.integers(0, y.size, size=y.size)
    return sklearn_point_metrics(y[idx], s[idx])


# --- correctness ------------------------------------------------------------------------------


def max_diff(a: Any, b: Any) -> float:
    """Largest absolute difference; inf on a shape mismatch or on NaN in one side only."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return math.inf
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    if not np.array_equal(nan_a, nan_b):
        return math.inf
    same_inf = np.isinf(a) & (a == b)
    keep = ~nan_a & ~same_inf
    return float(np.max(np.abs(a[keep] - b[keep]), initial=0.0))


def compare_outputs(report: Any, theirs: dict[str, Any]) -> dict[str, float]:
    """Max |champion - scikit-learn| for every output both produce."""
    diffs = {
        name: max_diff(report.metrics[name].value or math.nan, theirs[name]) for name in ALL_METRICS
    }
    fpr, tpr, roc_t = theirs["roc"]
    diffs["roc.fpr"] = max_diff(report.roc.fpr, fpr)
    diffs["roc.tpr"] = max_diff(report.roc.tpr, tpr)
    diffs["roc.thresholds"] = max_diff(report.roc.thresholds, roc_t)
    precision, recall, pr_t = theirs["pr"]
    diffs["pr.precision"] = max_diff(report.pr.precision, precision)
    diffs["pr.recall"] = max_diff(report.pr.recall, recall)
    diffs["pr.thresholds"] = max_diff(report.pr.thresholds, pr_t)
    prob_true, prob_pred = theirs["calibration"]
    cal = report.calibration
    filled = ~np.isnan(cal.fraction_positive)
    diffs["calibration.fraction_positive"] = max_diff(cal.fraction_positive[filled], prob_true)
    diffs["calibration.mean_predicted"] = max_diff(cal.mean_predicted[filled], prob_pred)
    # champion's sweep starts with the +inf row ("nothing predicted positive")
    diffs["sweep.thresholds"] = max_diff(report.sweep.thresholds[1:], theirs["sweep_thresholds"])
    for name in THRESHOLD_METRICS:
        diffs[f"sweep.{name}"] = max_diff(report.sweep.metrics[name][1:], theirs["sweep"][name])
    return diffs


def compare_bootstrap(y: np.ndarray, s: np.ndarray, resamples: int) -> dict[str, float]:
    """Max |champion - scikit-learn| over the first resamples of champion's own bootstrap,
    scikit-learn being run on the rows each resample draws."""
    y_bool = y.astype(bool)
    model = ours_bootstrap_parts(y_bool, s, count_by_threshold(y_bool, s, None))
    diffs = dict.fromkeys(ALL_METRICS, 0.0)
    for chunk in boot.resample_chunks(y.size, resamples, SEED, None):
        ours = boot.resampled_metrics(model, y_bool.astype(np.float64), chunk)
        for row in range(chunk.shape[0]):
            idx = np.repeat(np.arange(y.size), chunk[row].astype(np.intp))
            theirs = sklearn_point_metrics(y[idx], s[idx])
            for name in ALL_METRICS:
                diffs[name] = max(diffs[name], max_diff(ours[name][row], theirs[name]))
    return diffs


def problems(diffs: dict[str, float]) -> list[str]:
    return [f"{k} differs by {v:.3g}" for k, v in diffs.items() if not v <= TOLERANCE]


# --- timing -----------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> float:
    gc.collect()
    start = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - start
    del out  # freeing the result is not part of the measurement
    return elapsed


def interleaved(fns: dict[str, Callable[[], Any]], repeats: int) -> dict[str, list[float]]:
    """Run every function once per repeat, rotating the order; all timings, by name."""
    names = list(fns)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            times[name].append(timed(fns[name]))
    return times


def fitted_repeats(estimate: float, repeats: int, budget: float, floor: int = 3) -> int:
    """Repeats whose estimated total stays within budget seconds, at least floor."""
    if estimate <= 0:
        return repeats
    return max(min(floor, repeats), min(repeats, int(budget // estimate)))


# --- the four measurements --------------------------------------------------------------------


def bench_full(y: np.ndarray, s: np.ndarray, args: argparse.Namespace) -> dict[str, Any]:
    """Sections 1 and 2: full evaluation vs np.argsort and vs scikit-learn, interleaved."""
    start = time.perf_counter()
    report = full_evaluation(y, s)  # warm-up runs, also the correctness check
    t_ours = time.perf_counter() - start
    start = time.perf_counter()
    theirs = sklearn_evaluation(y, s)
    t_sklearn = time.perf_counter() - start
    argsort_baseline(y, s)
    diffs = compare_outputs(report, theirs)
    del report, theirs
    repeats = fitted_repeats(t_ours + t_sklearn, args.repeats, args.time_budget)
    times = interleaved(
        {
            "ours": lambda: full_evaluation(y, s),
            "argsort": lambda: argsort_baseline(y, s),
            "sklearn": lambda: sklearn_evaluation(y, s),
        },
        repeats,
    )
    med = {name: median(values) for name, values in times.items()}
    return {
        "repeats": repeats,
        "full_s": med["ours"],
        "argsort_s": med["argsort"],
        "sklearn_s": med["sklearn"],
        "ratio_vs_argsort": med["ours"] / med["argsort"],
        "speedup_vs_sklearn": med["sklearn"] / med["ours"],
        "runs": times,
        "max_diff_vs_sklearn": diffs,
        "problems": problems(diffs),
    }


def bench_bootstrap(y: np.ndarray, s: np.ndarray, args: argparse.Namespace) -> dict[str, Any]:
    """Section 3: champion's bootstrap engine vs a naive scikit-learn loop, interleaved.

    The work is split in rounds (--boot-repeats): each round times one run of champion's
    bootstrap (N_BOOT / rounds resamples) and some naive resamples, each timed alone. Estimates
    for 1000 resamples: prepare + median(run / resamples per run) * 1000 for champion and
    median(one resample) * 1000 for the naive loop. When a side would take more than
    --boot-budget seconds it times fewer resamples (said in the output).
    """
    y_bool = y.astype(bool)
    counts = count_by_threshold(y_bool, s, None)
    rounds = args.boot_repeats
    notes: list[str] = []

    # probes (also warm-ups): a small champion run and one naive resample
    probe_k = 10
    model = ours_bootstrap_parts(y_bool, s, counts)
    start = time.perf_counter()
    boot.bootstrap(y_bool, [model], None, probe_k, SEED)
    ours_per = (time.perf_counter() - start) / probe_k
    start = time.perf_counter()
    naive_resample(y, s, np.random.default_rng(SEED))
    naive_per = time.perf_counter() - start

    # champion: rounds runs of about N_BOOT / rounds resamples (N_BOOT in all), unless capped
    ours_sizes = [N_BOOT // rounds + (r < N_BOOT % rounds) for r in range(rounds)]
    if ours_per * N_BOOT > args.boot_budget:
        ours_k = max(probe_k, int(args.boot_budget / (ours_per * rounds)))
        ours_sizes = [ours_k] * rounds
        notes.append(
            f"champion bootstrap capped by --boot-budget {args.boot_budget:g} s: timed "
            f"{rounds} runs of {ours_k} resamples, scaled to {N_BOOT}"
        )
    naive_total = args.boot_naive_resamples
    if naive_per * naive_total > args.boot_budget:
        naive_total = int(args.boot_budget // naive_per)
        if naive_total < 1:
            naive_total = 0
            notes.append(
                f"naive scikit-learn loop skipped: one resample takes ~{naive_per:.0f} s, "
                f"over --boot-budget {args.boot_budget:g} s"
            )
        else:
            notes.append(
                f"naive scikit-learn loop capped by --boot-budget {args.boot_budget:g} s: "
                f"timed {naive_total} resamples instead of {args.boot_naive_resamples} "
                f"(one takes ~{naive_per:.1f} s), scaled to {N_BOOT}"
            )
    per_round = [naive_total // rounds + (r < naive_total % rounds) for r in range(rounds)]

    prepare_s: list[float] = []
    ours_runs: list[float] = []
    naive_runs: list[float] = []
    rng = np.random.default_rng(SEED + 1)
    for r in range(rounds):
        for side in ("ours", "naive") if r % 2 == 0 else ("naive", "ours"):
            if side == "naive":
                for _ in range(per_round[r]):
                    naive_runs.append(timed(lambda: naive_resample(y, s, rng)))
                continue
            gc.collect()
            start = time.perf_counter()
            model = ours_bootstrap_parts(y_bool, s, counts)
            prepared = time.perf_counter()
            out = boot.bootstrap(y_bool, [model], None, ours_sizes[r], SEED + r)
            end = time.perf_counter()
            del model, out
            prepare_s.append(prepared - start)
            ours_runs.append((end - prepared) / ours_sizes[r])

    ours_s = median(prepare_s) + median(ours_runs) * N_BOOT
    naive_s = median(naive_runs) * N_BOOT if naive_runs else math.nan
    check: dict[str, float] = {}
    if y.size <= args.boot_check_max_n:
        check = compare_bootstrap(y, s, 2)
    return {
        "ours_s": ours_s,
        "ours_prepare_s": median(prepare_s),
        "ours_per_resample_s": median(ours_runs),
        "ours_resamples_timed": sum(ours_sizes),
        "naive_s": naive_s,
        "naive_per_resample_s": median(naive_runs) if naive_runs else math.nan,
        "naive_resamples_timed": len(naive_runs),
        "speedup": naive_s / ours_s,
        "rounds": rounds,
        "notes": notes,
        "max_diff_vs_sklearn": check,
        "problems": problems(check),
    }


def _status_kib(field: str) -> int | None:
    """A memory field (VmRSS, VmHWM) of /proc/self/status in KiB, None off Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def memory_child(n: int) -> None:
    """In a fresh process (numpy + champion only): build the data, evaluate, print memory.

    The process's peak RSS is reset after the data is built (Linux: /proc/self/clear_refs), so
    the peak covers the interpreter, the inputs and the evaluation; where that is unavailable
    it falls back to ru_maxrss (which then also covers building the data).
    """
    y, s = make_data(n)
    gc.collect()
    rss_before = _status_kib("VmRSS")
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        reset = True
    except OSError:
        reset = False
    tracemalloc.start()
    report = full_evaluation(y, s)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del report
    hwm = _status_kib("VmHWM") if reset else None
    if hwm is None:
        hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        json.dumps(
            {
                "tracemalloc_peak": peak,
                "rss_before": None if rss_before is None else rss_before * 1024,
                "peak_rss": hwm * 1024,
                "peak_reset": reset,
            }
        )
    )


def bench_memory(n: int) -> dict[str, Any]:
    """Section 4: peak memory of the full evaluation, measured in a fresh subprocess."""
    proc = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(n)],
        capture_output=True,
        text=True,
        check=True,
    )
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    before = out["rss_before"]
    return {
        "input_mb": 16 * n / MB,  # y int64 + s float64
        "tracemalloc_peak_mb": out["tracemalloc_peak"] / MB,
        "peak_rss_mb": out["peak_rss"] / MB,
        "rss_before_mb": math.nan if before is None else before / MB,
        "peak_rss_reset": out["peak_reset"],
    }


# --- report -----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = platform.processor() or ""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in lscpu.splitlines():
            if line.lower().startswith("model name"):
                model = line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return {
        "cpu": model or platform.machine(),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sklearn": sk().version,
        "platform": platform.platform(),
        "blas": blas_info(),
        "loadavg_start": os.getloadavg(),
    }


def blas_info() -> str:
    """numpy's BLAS and its thread count (champion's np.dot calls run on it)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown"
    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    return ", ".join(
        f"{p['internal_api']} {p['version']} ({p['num_threads']} threads)" for p in pools
    )


def seconds(t: float) -> str:
    if math.isnan(t):
        return "-"
    if t < 1.0:
        return f"{t * 1000:.1f} ms"
    return f"{t:.2f} s" if t < 100 else f"{t:.0f} s"


def megabytes(mb: float) -> str:
    return f"{mb:.1f} MB" if mb < 10 else f"{mb:.0f} MB"


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("yes" if ok else "NO")


def rows_for(n: int, res: dict[str, Any]) -> list[tuple[str, ...]]:
    """Table rows (measure, ours, baseline, ratio, target, met) for one n."""
    rows: list[tuple[str, ...]] = []
    full = res["full"]
    target = TARGET_ARGSORT.get(n)
    ratio = full["ratio_vs_argsort"]
    rows.append(
        (
            "1 full evaluation / np.argsort",
            seconds(full["full_s"]),
            seconds(full["argsort_s"]),
            f"{ratio:.2f}x",
            "-" if target is None else f"<= {target:g}x",
            verdict(None if target is None else ratio <= target),
        )
    )
    speed = full["speedup_vs_sklearn"]
    rows.append(
        (
            "2 scikit-learn / full evaluation",
            seconds(full["full_s"]),
            seconds(full["sklearn_s"]),
            f"{speed:.1f}x",
            f">= {TARGET_SKLEARN:g}x",
            verdict(speed >= TARGET_SKLEARN),
        )
    )
    b = res.get("bootstrap")
    if b is not None:
        speed = b["speedup"]
        rows.append(
            (
                f"3 naive sklearn loop / bootstrap ({N_BOOT})",
                seconds(b["ours_s"]),
                seconds(b["naive_s"]),
                "-" if math.isnan(speed) else f"{speed:.1f}x",
                f">= {TARGET_BOOTSTRAP:g}x",
                verdict(None if math.isnan(speed) else speed >= TARGET_BOOTSTRAP),
            )
        )
    m = res.get("memory")
    if m is not None:
        limit = TARGET_MEMORY_MB.get(n)
        rows.append(
            (
                "4 peak memory, full evaluation",
                f"+{megabytes(m['tracemalloc_peak_mb'])}",
                f"RSS {megabytes(m['peak_rss_mb'])}",
                "-",
                "-" if limit is None else f"<= {limit / 1024:g} GB",
                verdict(None if limit is None else m["peak_rss_mb"] <= limit),
            )
        )
    return rows


def print_table(rows: list[tuple[str, ...]], header: tuple[str, ...], left: int = 1) -> None:
    """Plain-text table: the first `left` columns left-aligned, the rest right-aligned."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for k, row in enumerate([header, *rows]):
        cells = [
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
        if k == 0:
            print("  ".join("-" * w for w in widths))


def print_size(n: int, res: dict[str, Any]) -> None:
    full = res["full"]
    print(
        f"\nn = {n:,}  ({res['positives'] / n:.1%} positives, {res['distinct']:,} distinct scores)"
    )
    header = ("measure", "champion", "baseline", "ratio", "target", "met")
    print_table(rows_for(n, res), header)
    best = {name: min(values) for name, values in full["runs"].items()}
    print(
        f"  (1, 2: median of {full['repeats']} interleaved runs; fastest runs: champion "
        f"{seconds(best['ours'])}, argsort {seconds(best['argsort'])} "
        f"({best['ours'] / best['argsort']:.2f}x), scikit-learn {seconds(best['sklearn'])} "
        f"({best['sklearn'] / best['ours']:.1f}x))"
    )
    b = res.get("bootstrap")
    if b is not None:
        print(
            f"  (3: champion {b['ours_resamples_timed']} resamples in {b['rounds']} runs, "
            f"prepare {seconds(b['ours_prepare_s'])} + {seconds(b['ours_per_resample_s'])} "
            f"per resample; naive {b['naive_resamples_timed']} resamples timed one by one, "
            f"{seconds(b['naive_per_resample_s'])} each; both scaled to {N_BOOT})"
        )
        for note in b["notes"]:
            print(f"  NOTE: {note}")
    m = res.get("memory")
    if m is not None:
        print(
            f"  (4: fresh process with numpy + champion only: evaluation allocates at most "
            f"+{megabytes(m['tracemalloc_peak_mb'])} (tracemalloc peak); process peak RSS "
            f"{megabytes(m['peak_rss_mb'])}, of which {megabytes(m['rss_before_mb'])} before "
            f"the evaluation (interpreter, imports, inputs of {megabytes(m['input_mb'])}))"
        )
    found = full["problems"] + (b["problems"] if b else [])
    checked = "curves, sweep, calibration and the 11 metrics"
    if b and b["max_diff_vs_sklearn"]:
        checked += ", 2 bootstrap resamples"
    if found:
        print(f"  CORRECTNESS: champion differs from scikit-learn: {'; '.join(found)}")
    else:
        worst = max(
            [
                *full["max_diff_vs_sklearn"].values(),
                *(b["max_diff_vs_sklearn"] if b else {}).values(),
            ]
        )
        print(
            f"  correctness: {checked} equal scikit-learn's within {TOLERANCE:g} "
            f"(largest difference {worst:.1e})"
        )


def print_summary(results: dict[int, dict[str, Any]]) -> None:
    print("\nSummary")
    rows = []
    for n, res in results.items():
        for row in rows_for(n, res):
            rows.append((f"{n:.0e}".replace("+0", ""), *row))
    print_table(rows, ("n", "measure", "champion", "baseline", "ratio", "target", "met"), 2)


# --- main -------------------------------------------------------------------------------------


def parse_sizes(text: str) -> list[int]:
    return [int(float(part)) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1e5,1e6", help="comma-separated n (default 1e5,1e6)")
    parser.add_argument("--with-1e7", action="store_true", help="add n = 1e7")
    parser.add_argument("--repeats", type=int, default=5, help="runs per timing (median)")
    parser.add_argument(
        "--boot-naive-resamples",
        type=int,
        default=50,
        help="resamples the naive scikit-learn loop is timed on (scaled to 1000)",
    )
    parser.add_argument(
        "--boot-repeats",
        type=int,
        default=5,
        help="interleaved rounds of the bootstrap comparison (median over rounds)",
    )
    parser.add_argument(
        "--boot-budget",
        type=float,
        default=300.0,
        help="seconds each side of the bootstrap comparison may take per n before it times "
        "fewer resamples (default 300)",
    )
    parser.add_argument(
        "--time-budget",
        type=float,
        default=180.0,
        help="seconds sections 1-2 may take per n before using fewer repeats (at least 3)",
    )
    parser.add_argument(
        "--boot-check-max-n",
        type=int,
        default=10**6,
        help="largest n at which 2 bootstrap resamples are checked against scikit-learn",
    )
    parser.add_argument(
        "--blas-threads",
        type=int,
        help="limit numpy's BLAS to this many threads (threadpoolctl); default: leave as is",
    )
    parser.add_argument("--no-bootstrap", action="store_true", help="skip section 3")
    parser.add_argument("--no-memory", action="store_true", help="skip section 4")
    parser.add_argument("--quick", action="store_true", help="fast smoke run: n = 1e3, 1e4")
    parser.add_argument("--json", metavar="PATH", help="also save the results as JSON")
    parser.add_argument("--memory-child", type=int, metavar="N", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.memory_child:
        memory_child(args.memory_child)
        return 0
    sizes = parse_sizes(args.sizes)
    if args.quick:
        sizes = [10**3, 10**4]
        args.repeats = min(args.repeats, 3)
        args.boot_repeats = min(args.boot_repeats, 3)
        args.boot_naive_resamples = min(args.boot_naive_resamples, 6)
    if args.with_1e7 and 10**7 not in sizes:
        sizes.append(10**7)

    sk()  # import scikit-learn (and its scipy BLAS) first, so a BLAS limit covers both
    if args.blas_threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=args.blas_threads, user_api="blas")
    info = machine()
    print("champion evaluation benchmark")
    print(
        f"machine: {info['cpu']}, {info['cores']} cores ({info['cores_usable']} usable), "
        f"Python {info['python']}, numpy {info['numpy']}, scikit-learn {info['sklearn']}"
    )
    print(f"BLAS: {info['blas']}")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in info['loadavg_start'])}")
    print(
        f"data: ~30% positives, scores = sigmoid(normal + 1.5 y - 1), seed {SEED}; threshold "
        f"{THRESHOLD}; sweep baseline via sklearn {sk().sweep_source}"
    )
    sys.stdout.flush()

    results: dict[int, dict[str, Any]] = {}
    for n in sizes:
        y, s = make_data(n)
        res: dict[str, Any] = {"positives": int(y.sum()), "distinct": int(np.unique(s).size)}
        res["full"] = bench_full(y, s, args)
        if not args.no_bootstrap:
            res["bootstrap"] = bench_bootstrap(y, s, args)
        if not args.no_memory:
            res["memory"] = bench_memory(n)
        results[n] = res
        print_size(n, res)
        sys.stdout.flush()
        del y, s

    print_summary(results)
    info["loadavg_end"] = os.getloadavg()
    print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in info['loadavg_end'])}")
    if args.json:
        payload = {"machine": info, "args": vars(args), "results": results}
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2, default=float)
        print(f"results saved to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

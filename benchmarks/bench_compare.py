"""Benchmark a default ``compare`` (every metric and every paired difference with its interval)
against ``np.argsort`` of one score array and against one ``evaluate``, timed in the same run.

Run from the repository root::

    .venv/bin/python benchmarks/bench_compare.py                 # n = 1e5, 1e6
    .venv/bin/python benchmarks/bench_compare.py --with-1e7      # adds n = 1e7
    .venv/bin/python benchmarks/bench_compare.py --quick         # smoke run, seconds

For each n (about 30% positives, float64 probabilities) and for 2 and 5 models it prints the
median time of ``compare(y, scores)`` with the defaults (``ci="auto"``: analytic intervals from
20,000 rows on: DeLong, Wilson and the delta method, no resampling), of ``evaluate(y, s,
n_boot=0)`` and of ``np.argsort(s)``, the ratios, and whether the targets are met: two models
at 1e6 rows within 10x one argsort, and within 4x one evaluate. Timings are interleaved (the
order rotates in each repeat) so every side shares the machine's noise.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from statistics import median
from typing import Any

import numpy as np

from champion import compare, evaluate

SEED = 20261207
TARGET_ARGSORT = 10.0  # two models at 1e6 rows: compare / argsort
TARGET_EVALUATE = 4.0  # two models at 1e6 rows: compare / evaluate


def make_scores(n: int, models: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Labels (n,) and `models` score vectors (n,), each a noisy view of the labels."""
    rng = np.random.default_rng(SEED)
    y = rng.random(n) < 0.3
    scores = {
        f"model {i}": np.clip(rng.beta(2, 5, n) + (0.15 + 0.03 * i) * y, 0.0, 1.0)
        for i in range(models)
    }
    return y, scores


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


def bench(n: int, models: int, repeats: int) -> dict[str, float]:
    y, scores = make_scores(n, models)
    first = next(iter(scores.values()))
    timed = interleaved(
        {
            "argsort": lambda: np.argsort(first),
            "evaluate": lambda: evaluate(y, first, n_boot=0),
            "compare": lambda: compare(y, scores),
        },
        repeats,
    )
    return {
        **timed,
        "vs_argsort": timed["compare"] / timed["argsort"],
        "vs_evaluate": timed["compare"] / timed["evaluate"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--with-1e7", action="store_true", help="also n = 1e7 (minutes)")
    parser.add_argument("--quick", action="store_true", help="n = 1e4 and 1e5, one repeat")
    args = parser.parse_args(argv)
    sizes = [10_000, 100_000] if args.quick else [100_000, 1_000_000]
    if args.with_1e7:
        sizes.append(10_000_000)
    repeats = 1 if args.quick else 5
    print(f"{'n':>10} {'models':>6} {'compare':>9} {'evaluate':>9} {'argsort':>9} "
          f"{'/argsort':>9} {'/evaluate':>9}")  # fmt: skip
    results = {}
    for n in sizes:
        for models in (2, 5):
            r = bench(n, models, repeats if n < 10_000_000 else 1)
            results[(n, models)] = r
            times = f"{r['compare']:>8.3f}s {r['evaluate']:>8.3f}s {r['argsort']:>8.3f}s"
            ratios = f"{r['vs_argsort']:>8.1f}x {r['vs_evaluate']:>8.2f}x"
            print(f"{n:>10,} {models:>6} {times} {ratios}")
    key = (1_000_000, 2)
    if key in results:
        r = results[key]
        for label, ratio, target in (
            ("compare of two models at 1e6 / argsort", r["vs_argsort"], TARGET_ARGSORT),
            ("compare of two models at 1e6 / evaluate", r["vs_evaluate"], TARGET_EVALUATE),
        ):
            met = "met" if ratio <= target else f"missed by {ratio / target:.1f}x"
            print(f"target: {label} <= {target:g}x: {ratio:.1f}x, {met}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
